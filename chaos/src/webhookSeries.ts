import type { Backend } from './runStorm';
import { runWebhookStorm, type WebhookStormResult } from './webhookStorm';

export interface WebhookSeriesTotals {
  backend: Backend;
  runs: number;
  appends: number;
  events: number;
  kills: number;
  killsAfterAck: number;
  requests: number;
  failedRequests: number;
  duplicates: number;
  violations: number;
  results: WebhookStormResult[];
}

/** `runs` webhook storms on one backend with seeds `seed, seed+1, …`. */
export async function runWebhookSeries(options: { backend: Backend; runs: number; seed: number; loadMs?: number; log?: (line: string) => void }): Promise<WebhookSeriesTotals> {
  const log = options.log ?? (() => {});
  const results: WebhookStormResult[] = [];
  for (let run = 0; run < options.runs; run++) {
    const seed = options.seed + run;
    const r = await runWebhookStorm({ backend: options.backend, seed, loadMs: options.loadMs, log });
    results.push(r);
    log(
      `${options.backend} webhooks run ${run + 1}/${options.runs} (seed ${seed}): ${r.appends} appends, ${r.events} events, ${r.kills} kills ` +
        `(${r.killsAfterAck} right after an acknowledgement), ${r.requests} requests (${r.failedRequests} failed), ` +
        `${r.duplicates} duplicates, ${r.violations.length} violations, ${(r.durationMs / 1000).toFixed(1)} s`,
    );
    log(`  per subscription: ${r.perSubscription.map((s) => `${s.matching} matching / ${s.delivered} delivered / ${s.duplicates} dup / ${s.requests} req`).join('; ')}`);
    for (const violation of r.violations.slice(0, 20)) log(`  VIOLATION ${violation.kind}: ${violation.message}`);
  }
  const sum = (f: (r: WebhookStormResult) => number) => results.reduce((a, r) => a + f(r), 0);
  return {
    backend: options.backend,
    runs: results.length,
    appends: sum((r) => r.appends),
    events: sum((r) => r.events),
    kills: sum((r) => r.kills),
    killsAfterAck: sum((r) => r.killsAfterAck),
    requests: sum((r) => r.requests),
    failedRequests: sum((r) => r.failedRequests),
    duplicates: sum((r) => r.duplicates),
    violations: sum((r) => r.violations.length),
    results,
  };
}
