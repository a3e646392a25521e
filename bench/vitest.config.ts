import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'bench',
    include: ['src/**/*.spec.ts'],
    // `pnpm bench --quick` takes under two minutes on an idle machine, several times that on a busy one.
    testTimeout: 900_000,
  },
});
