import { defineConfig } from 'vitest/config';
import { sourceResolution } from './vitest.shared.ts';

// One run over every package; each package keeps its own config (globalSetup, timeouts).
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      'apps/server',
      'apps/admin',
      'chaos',
      'bench',
      // The workspace as a whole: lint boundaries, the packed client, the compiled server.
      // One file at a time: `npm start` and the pack test both build packages/client/dist.
      { ...sourceResolution, test: { name: 'workspace', include: ['test/**/*.spec.ts'], testTimeout: 600_000, hookTimeout: 600_000, fileParallelism: false } },
    ],
  },
});
