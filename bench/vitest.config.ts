import { defineProject } from 'vitest/config';
import { sourceResolution } from '../vitest.shared.ts';

export default defineProject({
  ...sourceResolution,
  test: {
    name: 'bench',
    include: ['src/**/*.spec.ts'],
    // `pnpm bench --quick` takes under two minutes on an idle machine, several times that on a busy one.
    testTimeout: 900_000,
  },
});
