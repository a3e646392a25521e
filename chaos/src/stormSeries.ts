import { runStorm, type Backend, type KillTarget, type StormResult } from './runStorm';

export interface SeriesOptions {
  backend: Backend;
  runs: number;
  seed: number;
  loadMs?: number;
  /** Server instances behind a round-robin proxy (MongoDB only for more than one). */
  instances?: number;
  /** What each run kills; by default MongoDB runs alternate server and database kills. */
  kill?: KillTarget;
  writers?: number;
  streams?: number;
  log?: (line: string) => void;
}

export interface SeriesTotals {
  backend: Backend;
  runs: number;
  operations: number;
  acknowledged: number;
  conflicts: number;
  replays: number;
  unknown: number;
  attempts: number;
  kills: { server: number; database: number };
  events: number;
  violations: number;
  results: StormResult[];
}

/**
 * `runs` storms on one backend with seeds `seed, seed+1, …`. On MongoDB the runs alternate between
 * killing the server and killing the database process; SQLite lives inside the server.
 */
export async function runSeries(options: SeriesOptions): Promise<SeriesTotals> {
  const log = options.log ?? (() => {});
  const results: StormResult[] = [];
  for (let run = 0; run < options.runs; run++) {
    const kill: KillTarget = options.kill ?? (options.backend === 'mongodb' && run % 2 === 1 ? 'database' : 'server');
    const seed = options.seed + run;
    const result = await runStorm({
      backend: options.backend,
      kill,
      seed,
      loadMs: options.loadMs,
      instances: options.instances,
      writers: options.writers,
      streams: options.streams,
      log,
    });
    results.push(result);
    log(
      `${options.backend} run ${run + 1}/${options.runs} (${result.instances} instance${result.instances > 1 ? 's' : ''}, kill ${kill}, seed ${seed}): ${result.operations} ops ` +
        `(ok ${result.outcomes.ok}, conflict ${result.outcomes.conflict}, duplicate ${result.outcomes.duplicate}, ` +
        `rejected ${result.outcomes.rejected}, unknown ${result.outcomes.unknown}; ${result.replays} replays after lost answers), ` +
        `${result.kills} kills, ${result.eventsStored} events, ${result.violations.length} violations, ${(result.durationMs / 1000).toFixed(1)} s`,
    );
    log(`  unknown-outcome answers: ${JSON.stringify(result.transient)}`);
    for (const violation of result.violations.slice(0, 20)) log(`  VIOLATION ${violation.kind}: ${violation.message}`);
  }
  const sum = (f: (r: StormResult) => number) => results.reduce((a, r) => a + f(r), 0);
  return {
    backend: options.backend,
    runs: results.length,
    operations: sum((r) => r.operations),
    acknowledged: sum((r) => r.outcomes.ok),
    conflicts: sum((r) => r.outcomes.conflict),
    replays: sum((r) => r.replays),
    unknown: sum((r) => r.outcomes.unknown),
    attempts: sum((r) => r.attempts),
    kills: {
      server: sum((r) => (r.kill === 'server' ? r.kills : 0)),
      database: sum((r) => (r.kill === 'database' ? r.kills : 0)),
    },
    events: sum((r) => r.eventsStored),
    violations: sum((r) => r.violations.length),
    results,
  };
}
