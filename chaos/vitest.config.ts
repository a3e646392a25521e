import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'chaos',
    include: ['test/**/*.spec.ts'],
    // Builds FerretDB once when missing (and fails the run under CI=true when it can't); the storms
    // start their own FerretDB from that build because they must kill and restart it.
    globalSetup: [fileURLToPath(import.meta.resolve('@eventlane/store/testing/globalSetup'))],
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
