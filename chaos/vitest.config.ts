import { defineProject } from 'vitest/config';
import { mongoGlobalSetup, sourceResolution } from '../vitest.shared.ts';

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'chaos',
    include: ['test/**/*.spec.ts'],
    // Builds FerretDB once when missing (and fails the run under CI=true when it can't); the storms
    // start their own FerretDB from that build because they must kill and restart it.
    globalSetup: [mongoGlobalSetup],
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
