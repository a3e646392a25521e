import { defineConfig } from 'tsdown';

// The published client: ESM bundles with their .d.ts, @eventlane/contracts inlined (JS and types)
// so that dexie and zod are its only dependencies and react an optional peer. `tsc -b` checks
// the same sources and writes the declarations the workspace's projects reference (dist/tsc).
export default defineConfig({
  entry: { index: 'src/index.ts', 'react/index': 'src/react/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  outDir: 'dist',
  clean: false,
  hash: false,
  // Shared code in its own folder, so that no chunk takes an entry's name (index.js).
  outputOptions: { chunkFileNames: '_chunks/[name].js' },
  sourcemap: true,
  external: ['dexie', 'zod', /^zod\//, 'react'],
  noExternal: ['@eventlane/contracts'],
  inputOptions: { resolve: { conditionNames: ['@eventlane/source', 'import', 'default'] } },
  dts: true,
});
