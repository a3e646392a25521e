import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSeries, type SeriesTotals } from './stormSeries';
import { runWebhookSeries, type WebhookSeriesTotals } from './webhookSeries';
import type { Backend, KillTarget } from './runStorm';

/**
 * `pnpm chaos [--runs 3] [--backend sqlite|mongodb|all] [--seed 1] [--load-ms 6000] [--instances 2]
 *   [--kill server|database|none] [--writers 16] [--streams 8] [--json out.json]`
 * `pnpm chaos --scaling`: the same no-kill storm (one store, 24 streams, 8 writers, 20 s) against
 *   one instance and against two behind a round-robin proxy, on one FerretDB database, side by side.
 * `pnpm chaos --webhooks [--runs 3] [--backend …] [--seed 1] [--load-ms 6000]`: webhook storms (issue 12) instead.
 * Exits 1 when any run found a violation.
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    backend: { type: 'string', default: 'all' },
    seed: { type: 'string', default: '1' },
    'load-ms': { type: 'string', default: '6000' },
    instances: { type: 'string', default: '1' },
    kill: { type: 'string' },
    writers: { type: 'string' },
    streams: { type: 'string' },
    scaling: { type: 'boolean', default: false },
    json: { type: 'string' },
    webhooks: { type: 'boolean', default: false },
  },
});

if (values.scaling) {
  const { runScaling } = await import('./scaling');
  const report = await runScaling({ seed: Number(values.seed), loadMs: values['load-ms'] === '6000' ? 20_000 : Number(values['load-ms']), rounds: Number(values.runs) === 3 ? 1 : Number(values.runs), log: (l) => console.log(l) });
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
  process.exit(report.violations > 0 ? 1 : 0);
}
const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));

const backends: Backend[] = values.backend === 'all' ? ['sqlite', 'mongodb'] : [values.backend as Backend];
if (values.webhooks) {
  const webhookTotals: WebhookSeriesTotals[] = [];
  for (const backend of backends) {
    const series = await runWebhookSeries({ backend, runs: Number(values.runs), seed: Number(values.seed), loadMs: Number(values['load-ms']), log: (line) => console.log(line) });
    webhookTotals.push(series);
    console.log(
      `== ${backend} webhooks: ${series.runs} runs, ${series.appends} appends, ${series.events} events, ${series.kills} server kills ` +
        `(${series.killsAfterAck} right after an acknowledgement), ${series.requests} requests (${series.failedRequests} failed), ` +
        `${series.duplicates} duplicate deliveries; ${series.violations} violations`,
    );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(webhookTotals.map(({ results, ...totals }) => ({ ...totals, results: results.map(({ violations, ...r }) => ({ ...r, violations: violations.slice(0, 20) })) })), null, 2));
  process.exit(webhookTotals.some((t) => t.violations > 0) ? 1 : 0);
}
const totals: SeriesTotals[] = [];
for (const backend of backends) {
  const series = await runSeries({
    backend,
    runs: Number(values.runs),
    seed: Number(values.seed),
    loadMs: Number(values['load-ms']),
    instances: Number(values.instances),
    kill: values.kill as KillTarget | undefined,
    writers: number(values.writers),
    streams: number(values.streams),
    log: (line) => console.log(line),
  });
  totals.push(series);
  console.log(
    `== ${backend}: ${series.runs} runs, ${series.operations} operations (${series.acknowledged} acknowledged, ${series.conflicts} conflicts, ` +
      `${series.replays} replays, ${series.unknown} unknown), ${series.attempts} attempts, kills: server ${series.kills.server}, ` +
      `database ${series.kills.database}; ${series.events} events stored; ${series.violations} violations`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify(totals, null, 2));
process.exit(totals.some((t) => t.violations > 0) ? 1 : 0);
