import { defineProject } from 'vitest/config';
import { sourceResolution } from '../../vitest.shared.ts';

// Unit tests of the app's pure parts; browser flows are in e2e/ (Playwright).
export default defineProject({
  ...sourceResolution,
  test: { name: 'admin', include: ['src/**/*.spec.ts'], environment: 'node' },
});
