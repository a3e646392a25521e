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

/** Every value checked before anything runs: a `NaN` would mean no runs, no load, and a pass. */
function fail(message: string): never {
  console.error(`pnpm chaos: ${message}`);
  process.exit(2);
}
function whole(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) fail(`--${name} must be a whole number of at least ${min}, not "${value}"`);
  return Number(value);
}
const runs = whole('runs', values.runs, 1)!;
const seed = whole('seed', values.seed, 0)!;
const loadMs = whole('load-ms', values['load-ms'], 100)!;
const instances = whole('instances', values.instances, 1)!;
const writers = whole('writers', values.writers, 1);
const streams = whole('streams', values.streams, 1);
if (!['all', 'sqlite', 'mongodb'].includes(values.backend)) fail(`--backend must be sqlite, mongodb or all, not "${values.backend}"`);
if (values.kill !== undefined && !['server', 'database', 'none'].includes(values.kill)) fail(`--kill must be server, database or none, not "${values.kill}"`);
if ((values.webhooks || values.scaling) && (values.kill !== undefined || values.instances !== '1' || writers !== undefined || streams !== undefined)) {
  fail('--webhooks and --scaling take only --runs, --backend, --seed, --load-ms and --json');
}

if (values.scaling) {
  const { runScaling } = await import('./scaling');
  const report = await runScaling({ seed, loadMs: values['load-ms'] === '6000' ? 20_000 : loadMs, rounds: runs === 3 ? 1 : runs, log: (l) => console.log(l) });
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));
  process.exit(report.violations > 0 ? 1 : 0);
}
const backends: Backend[] = values.backend === 'all' ? ['sqlite', 'mongodb'] : [values.backend as Backend];
if (values.webhooks) {
  const webhookTotals: WebhookSeriesTotals[] = [];
  for (const backend of backends) {
    const series = await runWebhookSeries({ backend, runs, seed, loadMs, log: (line) => console.log(line) });
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
    runs,
    seed,
    loadMs,
    instances,
    kill: values.kill as KillTarget | undefined,
    writers,
    streams,
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
