import { describe, expect, inject, it } from 'vitest';
import { runWinnerTrials } from '../src/winners';

/** Invariant 4, small: the 1000-trial version for docs/reliability.md is `pnpm winners`. */
describe.concurrent('exactly one winner among 16 concurrent appends with the same expected version', () => {
  it('SQLite: 5 trials', async () => {
    const result = await runWinnerTrials({ backend: 'sqlite', trials: 5 });
    expect(result.failures).toEqual([]);
    expect(result.exactlyOne).toBe(5);
  });

  it.skipIf(!inject('mongoUri'))('MongoDB-wire: 5 trials', async () => {
    const result = await runWinnerTrials({ backend: 'mongodb', trials: 5, mongoUri: inject('mongoUri') });
    expect(result.failures).toEqual([]);
    expect(result.exactlyOne).toBe(5);
  });
});
