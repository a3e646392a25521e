import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'store',
    include: ['src/**/*.spec.ts'],
    globalSetup: ['./src/testing/vitestGlobalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
