import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'client',
    include: ['src/**/*.spec.ts'],
    // Node has no IndexedDB: fake-indexeddb stands in, installed before Dexie is first imported.
    setupFiles: ['fake-indexeddb/auto'],
    testTimeout: 20_000,
  },
});
