import { fileURLToPath } from 'node:url';

/**
 * Vitest runs the workspace's packages from their TypeScript source: the "@eventlane/source"
 * export condition picks `src/` over `dist/`, so tests never need a build and never see a stale
 * one. Vite's default conditions follow it (setting `conditions` replaces them).
 */
export const SOURCE_CONDITION = '@eventlane/source';

export const sourceResolution = {
  resolve: { conditions: [SOURCE_CONDITION, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] } },
};

/**
 * The MongoDB-wire test server's global setup (from @eventlane/store/testing), for the projects
 * that need it. A path, not a package specifier: vitest loads global setup files by path, and
 * Node's own resolver (which would pick dist/) does not know the source condition.
 */
export const mongoGlobalSetup = fileURLToPath(new URL('./packages/store/src/testing/vitestGlobalSetup.ts', import.meta.url));
