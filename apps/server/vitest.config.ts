import { defineProject } from 'vitest/config';
import { mongoGlobalSetup, sourceResolution } from '../../vitest.shared.ts';

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'server',
    include: ['test/**/*.spec.ts', 'src/**/*.spec.ts'],
    // The same MongoDB-wire test server provisioning as the store package.
    globalSetup: [mongoGlobalSetup],
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
