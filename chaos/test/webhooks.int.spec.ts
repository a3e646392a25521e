import { describe, expect, inject, it } from 'vitest';
import { ferretdbBinary } from '../src/processes';
import { runWebhookSeries } from '../src/webhookSeries';

/**
 * The smoke version of `pnpm chaos --webhooks` (issue 12): 3 short webhook storms per backend,
 * the server SIGKILLed during deliveries while the receiver fails 30 % of requests. The long runs
 * for docs/reliability.md are `pnpm chaos --webhooks --runs 50`.
 */
describe.concurrent('webhook crash storms (smoke)', () => {
  it('SQLite: 3 runs deliver every matching event, in order, signed, duplicates only from the batch in flight', async () => {
    const series = await runWebhookSeries({ backend: 'sqlite', runs: 3, seed: 301, loadMs: 3_000, log: (l) => console.log(l) });
    expect(series.results.flatMap((r) => r.violations)).toEqual([]);
    expect(series.kills).toBeGreaterThanOrEqual(3);
    expect(series.failedRequests).toBeGreaterThan(0);
    expect(series.results.every((r) => r.perSubscription.every((s) => s.delivered === s.matching && s.matching > 0))).toBe(true);
  });

  const runnable = Boolean(inject('mongoUri')) && ferretdbBinary() !== null;
  it.runIf(runnable || process.env.CI === 'true')('MongoDB (FerretDB): 3 runs, the same invariants', async () => {
    const series = await runWebhookSeries({ backend: 'mongodb', runs: 3, seed: 401, loadMs: 3_000, log: (l) => console.log(l) });
    expect(series.results.flatMap((r) => r.violations)).toEqual([]);
    expect(series.kills).toBeGreaterThanOrEqual(3);
    expect(series.results.every((r) => r.perSubscription.every((s) => s.delivered === s.matching && s.matching > 0))).toBe(true);
  });
});
