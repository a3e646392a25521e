import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'client', include: ['src/**/*.spec.ts'], testTimeout: 20_000 },
});
