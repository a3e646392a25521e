import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'store',
    include: ['src/**/*.spec.ts'],
    globalSetup: ['./src/testing/vitestGlobalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
