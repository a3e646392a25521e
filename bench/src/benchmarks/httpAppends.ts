import { atLeast, atMost, type SharedServer, type SharedServerKind, type BenchContext, type BenchmarkResult, type Cell, type Ratio } from '../context';
import { measureLoad, type LoadResult } from '../load';
import { round } from '../stats';

export interface Target {
  label: string;
  kind: SharedServerKind;
}

/** Eventlane on SQLite and on the MongoDB-wire server, and the Fastify no-op ceiling. */
export const HTTP_TARGETS: Target[] = [
  { label: 'fastify no-op', kind: 'noop' },
  { label: 'eventlane sqlite', kind: 'sqlite' },
  { label: 'eventlane mongodb', kind: 'mongodb' },
];

/**
 * HTTP appends with autocannon: every request a new stream with new event ids, no pipelining,
 * c = 1, 4, 16 for single events and c = 16 for batches of 10 and 100 (with --quick: c = 4, 16
 * and batches of 10, rounds of 0.75 s); warm-up, then three rounds, medians. Each server runs alone in its own process while it is measured.
 */
export async function httpAppends(context: BenchContext): Promise<BenchmarkResult> {
  const notes: string[] = [];
  const timing = context.quick ? { warmupSec: 0.5, durationSec: 0.75, rounds: 3 } : { warmupSec: 3, durationSec: 5, rounds: 3 };
  // --quick keeps the shapes the targets are about (c=4 for p99/p50, c=16 for the ceiling) and one batch size.
  const shapes = [
    ...(context.quick ? [] : [{ batch: 1, connections: 1 }]),
    { batch: 1, connections: 4 },
    { batch: 1, connections: 16 },
    { batch: 10, connections: 16 },
    ...(context.quick ? [] : [{ batch: 100, connections: 16 }]),
  ];
  const results = new Map<string, LoadResult>();
  const rows: Cell[][] = [];
  for (const target of HTTP_TARGETS) {
    let server: SharedServer;
    try {
      server = await context.server(target.kind);
    } catch (error) {
      notes.push(`${target.label}: not measured (${(error as Error).message})`);
      continue;
    }
    {
      for (const shape of shapes) {
        const result = await measureLoad({ url: server.url, apiKey: server.key, ...shape, ...timing });
        results.set(`${target.label}|${shape.batch}|${shape.connections}`, result);
        rows.push([
          target.label,
          shape.batch,
          shape.connections,
          round(result.requestsPerSec),
          round(result.eventsPerSec),
          round(result.p50Ms),
          round(result.p99Ms),
          result.p50Ms > 0 ? round(result.p99Ms / result.p50Ms) : null,
          result.errors + result.non2xx,
        ]);
        if (result.errors + result.non2xx > 0) notes.push(`${target.label} batch ${shape.batch} c=${shape.connections}: ${result.errors} errors, ${result.non2xx} non-2xx responses`);
      }
    }
  }

  const get = (label: string, batch: number, c: number) => results.get(`${label}|${batch}|${c}`);
  const ratio = (a?: LoadResult, b?: LoadResult) => (a && b && b.requestsPerSec > 0 ? a.requestsPerSec / b.requestsPerSec : null);
  const ratios: Ratio[] = [
    atLeast('HTTP single-event appends, SQLite ÷ Fastify no-op, c=16', ratio(get('eventlane sqlite', 1, 16), get('fastify no-op', 1, 16)), 0.6),
  ];
  for (const label of ['eventlane sqlite', 'eventlane mongodb']) {
    const at4 = get(label, 1, 4);
    ratios.push(atMost(`HTTP p99 ÷ p50 at c=4, ${label.replace('eventlane ', '')}`, at4 && at4.p50Ms > 0 ? at4.p99Ms / at4.p50Ms : null, 3));
  }
  ratios.push({
    name: 'HTTP single-event appends, MongoDB ÷ Fastify no-op, c=16 (no target; context)',
    value: ratio(get('eventlane mongodb', 1, 16), get('fastify no-op', 1, 16)),
    target: '—',
    met: null,
  });
  return {
    name: 'http',
    title: 'HTTP appends (autocannon, new stream per request, no pipelining; median of 3 rounds)',
    tables: [{ title: 'HTTP appends', columns: ['server', 'events/request', 'connections', 'requests/s', 'events/s', 'p50 ms', 'p99 ms', 'p99/p50', 'errors'], rows }],
    ratios,
    notes,
    seconds: 0,
  };
}
