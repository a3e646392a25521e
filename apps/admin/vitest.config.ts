import { defineProject } from 'vitest/config';

// Unit tests of the app's pure parts; browser flows are in e2e/ (Playwright).
export default defineProject({
  test: { name: 'admin', include: ['src/**/*.spec.ts'], environment: 'node' },
});
