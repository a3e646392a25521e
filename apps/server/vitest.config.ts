import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'server',
    include: ['test/**/*.spec.ts', 'src/**/*.spec.ts'],
    // The same MongoDB-wire test server provisioning as the store package.
    globalSetup: [fileURLToPath(import.meta.resolve('@eventlane/store/testing/globalSetup'))],
    testTimeout: 30_000,
    hookTimeout: 300_000,
  },
});
