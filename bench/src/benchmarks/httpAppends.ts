import { atLeast, atMost, roundTiming, type BenchContext, type BenchmarkResult, type Cell, type Ratio, type SharedServer, type SharedServerKind, type TreeName } from '../context';
import { runLoad, type LoadgenResult } from '../loadgen';
import { cpuPerRequest } from '../servers/ipc';
import { busyShare, machineCpu, median, round } from '../stats';
import { appendBody, appendPath, uniqueStreamId } from '../workload';

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

interface Subject {
  label: string;
  kind: SharedServerKind;
  tree: TreeName;
}

interface Shape {
  batch: number;
  connections: number;
}

/** One measured round: the load generator's figures plus the server's CPU over the round. */
interface Round extends LoadgenResult {
  eventsPerSec: number;
  /** Process CPU time (all threads) ÷ answered requests, µs. */
  cpuUsPerRequest: number;
  /** Main-thread event-loop busy time ÷ answered requests, µs. */
  loopUsPerRequest: number;
  /** Share of the whole machine's CPU (every core, every process) busy during the round, %. */
  machineBusyPct: number;
}

type Metric = 'requestsPerSec' | 'eventsPerSec' | 'p50Ms' | 'p90Ms' | 'p99Ms' | 'p999Ms' | 'cpuUsPerRequest' | 'loopUsPerRequest' | 'machineBusyPct';
const METRICS: Metric[] = ['requestsPerSec', 'eventsPerSec', 'p50Ms', 'p90Ms', 'p99Ms', 'p999Ms', 'cpuUsPerRequest', 'loopUsPerRequest', 'machineBusyPct'];

/** The median of each metric over the rounds, and the failures summed. */
type Summary = Record<Metric, number> & { failed: number; firstFailure?: string; rounds: number };

async function measureRound(server: SharedServer, shape: Shape, durationSec: number): Promise<Round> {
  const before = await server.cpu();
  const machineBefore = machineCpu();
  const result = await runLoad({
    url: server.url,
    connections: shape.connections,
    durationSec,
    // A fresh stream id and fresh event ids for every request: nothing is a replay or a conflict.
    request: () => ({
      method: 'POST',
      path: appendPath(uniqueStreamId()),
      headers: { 'content-type': 'application/json', 'x-api-key': server.key },
      body: appendBody(shape.batch),
    }),
  });
  const machineAfter = machineCpu();
  const after = await server.cpu();
  return {
    ...result,
    machineBusyPct: 100 * busyShare(machineBefore, machineAfter),
    eventsPerSec: result.requestsPerSec * shape.batch,
    ...cpuPerRequest(before, after, result.ok),
  };
}

function summarise(rounds: Round[]): Summary {
  const summary = { failed: rounds.reduce((n, r) => n + r.failed, 0), rounds: rounds.length } as Summary;
  for (const metric of METRICS) summary[metric] = median(rounds.map((r) => r[metric]));
  const firstFailure = rounds.find((r) => r.firstFailure)?.firstFailure;
  if (firstFailure) summary.firstFailure = firstFailure;
  return summary;
}

/** Latency to 0.01 ms and better: three decimals below 1 ms, two above. */
const ms = (value: number): number | null => (Number.isFinite(value) ? Number(value.toFixed(value < 1 ? 3 : 2)) : null);
const ratioOf = (a: number, b: number): number | null => (b > 0 && Number.isFinite(a) ? Number((a / b).toFixed(2)) : null);

/**
 * HTTP appends through our own load generator (undici, keep-alive, one request in flight per
 * connection; latency per request with `process.hrtime.bigint()`): every request a new stream
 * with new event ids. c = 1, 4, 16 for single events and c = 16 for batches of 10 and 100 (with
 * --quick: batches of 10 only, rounds of 0.75 s). The no-op ceiling, Eventlane on a storage that
 * answers at once (`stub`: the HTTP layer alone) and Eventlane on SQLite take turns round by round
 * (the order rotates), so that the machine's load drifts over all of them alike; with `--compare`
 * the older commit's servers take turns with them too. MongoDB runs after them, alone. Each
 * metric is the median of three rounds (`--rounds`) after a warm-up. The server's CPU time over each round
 * (every thread, asked over IPC) divided by the requests it answered gives the per-request cost.
 */
export async function httpAppends(context: BenchContext): Promise<BenchmarkResult> {
  const notes: string[] = [];
  const timing = roundTiming(context);
  const shapes: Shape[] = context.shapes
    ? context.shapes.map((shape) => {
        const [batch, connections] = shape.split('x').map(Number);
        if (!batch || !connections) throw new Error(`--shapes: "${shape}" is not <events per request>x<connections>`);
        return { batch, connections };
      })
    : [
        { batch: 1, connections: 1 },
        { batch: 1, connections: 4 },
        { batch: 1, connections: 16 },
        { batch: 10, connections: 16 },
        ...(context.quick ? [] : [{ batch: 100, connections: 16 }]),
      ];
  const baseline = await context.baseline().catch((error: Error) => {
    notes.push(`--compare ${context.compare}: not measured (${error.message})`);
    return null;
  });
  const interleaved: Subject[] = [
    { label: 'fastify no-op', kind: 'noop', tree: 'current' },
    { label: 'eventlane stub', kind: 'stub', tree: 'current' },
    { label: 'eventlane sqlite', kind: 'sqlite', tree: 'current' },
    ...(context.sqliteWriters ? [{ label: 'eventlane sqlite (inline writer)', kind: 'sqlite-inline', tree: 'current' } as const] : []),
    ...(context.authCacheTtlMs > 0 ? [{ label: 'eventlane sqlite (auth cache)', kind: 'sqlite-auth-cache', tree: 'current' } as const] : []),
  ];
  const beforeLabel = (kind: string) => `eventlane ${kind} (before: ${baseline!.commit.slice(0, 7)})`;
  if (baseline) {
    interleaved.push({ label: beforeLabel('stub'), kind: 'stub', tree: 'baseline' }, { label: beforeLabel('sqlite'), kind: 'sqlite', tree: 'baseline' });
  }
  const alone: Subject[] = context.skipMongodb ? [] : [{ label: 'eventlane mongodb', kind: 'mongodb', tree: 'current' }];

  const servers = new Map<string, SharedServer>();
  for (const subject of [...interleaved, ...alone]) {
    try {
      servers.set(subject.label, await context.server(subject.kind, subject.tree));
    } catch (error) {
      notes.push(`${subject.label}: not measured (${(error as Error).message})`);
    }
  }
  const results = new Map<string, Summary>();
  const key = (label: string, shape: Shape) => `${label}|${shape.batch}|${shape.connections}`;
  const measure = async (group: Subject[]) => {
    const present = group.filter((s) => servers.has(s.label));
    for (const shape of shapes) {
      for (const subject of present) await measureRound(servers.get(subject.label)!, shape, timing.warmupSec);
      const rounds = new Map<string, Round[]>(present.map((s) => [s.label, []]));
      for (let r = 0; r < timing.rounds; r += 1) {
        // Rotate who goes first, so that no server always follows the same neighbour.
        const order = present.map((_, i) => present[(i + r) % present.length]!);
        for (const subject of order) rounds.get(subject.label)!.push(await measureRound(servers.get(subject.label)!, shape, timing.durationSec));
      }
      for (const [label, measured] of rounds) results.set(key(label, shape), summarise(measured));
    }
  };
  await measure(interleaved);
  await measure(alone);

  const subjects = [...interleaved, ...alone].filter((s) => servers.has(s.label));
  const rows: Cell[][] = [];
  const cpuRows: Cell[][] = [];
  for (const subject of subjects) {
    for (const shape of shapes) {
      const s = results.get(key(subject.label, shape));
      if (!s) continue;
      rows.push([
        subject.label,
        shape.batch,
        shape.connections,
        round(s.requestsPerSec),
        round(s.eventsPerSec),
        ms(s.p50Ms),
        ms(s.p90Ms),
        ms(s.p99Ms),
        ms(s.p999Ms),
        ratioOf(s.p99Ms, s.p50Ms),
        s.failed,
      ]);
      cpuRows.push([
        subject.label,
        shape.batch,
        shape.connections,
        round(s.requestsPerSec),
        round(s.cpuUsPerRequest),
        round(s.loopUsPerRequest),
        Number.isFinite(s.machineBusyPct) ? Math.round(s.machineBusyPct) : null,
      ]);
      if (s.failed > 0) notes.push(`${subject.label} batch ${shape.batch} c=${shape.connections}: ${s.failed} failed requests, first: ${s.firstFailure ?? '?'}`);
    }
  }

  const get = (label: string, batch: number, c: number) => results.get(`${label}|${batch}|${c}`);
  const rate = (a?: Summary, b?: Summary) => (a && b && b.requestsPerSec > 0 ? a.requestsPerSec / b.requestsPerSec : null);
  const noop16 = get('fastify no-op', 1, 16);
  const ratios: Ratio[] = [
    atLeast('HTTP single-event appends, SQLite ÷ Fastify no-op, c=16', rate(get('eventlane sqlite', 1, 16), noop16), 0.6),
  ];
  for (const label of ['eventlane sqlite', 'eventlane mongodb']) {
    const at4 = get(label, 1, 4);
    ratios.push(atMost(`HTTP p99 ÷ p50 at c=4, ${label.replace('eventlane ', '')} (µs-resolution latencies)`, at4 && at4.p50Ms > 0 ? at4.p99Ms / at4.p50Ms : null, 3));
  }
  ratios.push(
    { name: 'HTTP single-event appends, stub storage ÷ Fastify no-op, c=16 (the HTTP layer alone; context)', value: rate(get('eventlane stub', 1, 16), noop16), target: '—', met: null },
    { name: 'HTTP single-event appends, MongoDB ÷ Fastify no-op, c=16 (no target; context)', value: rate(get('eventlane mongodb', 1, 16), noop16), target: '—', met: null },
  );
  if (context.authCacheTtlMs > 0) {
    ratios.push({
      name: `HTTP single-event appends, SQLite with API-key lookups cached ${context.authCacheTtlMs} ms ÷ without, c=16 (context: --auth-cache)`,
      value: rate(get('eventlane sqlite (auth cache)', 1, 16), get('eventlane sqlite', 1, 16)),
      target: '—',
      met: null,
    });
  }
  if (context.sqliteWriters) {
    ratios.push({
      name: 'HTTP single-event appends, SQLite with the inline writer ÷ Fastify no-op, c=16 (context: --sqlite-writers)',
      value: rate(get('eventlane sqlite (inline writer)', 1, 16), noop16),
      target: '—',
      met: null,
    });
  }

  const tables = [
    {
      title: 'HTTP appends',
      columns: ['server', 'events/request', 'connections', 'requests/s', 'events/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'p99/p50', 'failed'],
      rows,
    },
    {
      title: 'Per-request CPU',
      // Machine busy: every core, every process (the load generator, other tenants) during the round.
      columns: ['server', 'events/request', 'connections', 'requests/s', 'process CPU µs/request', 'event-loop busy µs/request', 'machine CPU busy %'],
      rows: cpuRows,
    },
  ];
  if (baseline) {
    const compareRows: Cell[][] = [];
    for (const kind of ['stub', 'sqlite'] as const) {
      for (const shape of shapes) {
        const before = get(beforeLabel(kind), shape.batch, shape.connections);
        const after = get(`eventlane ${kind}`, shape.batch, shape.connections);
        if (!before || !after) continue;
        compareRows.push([
          `eventlane ${kind}`,
          shape.batch,
          shape.connections,
          round(before.requestsPerSec),
          round(after.requestsPerSec),
          ratioOf(after.requestsPerSec, before.requestsPerSec),
          `${ms(before.p50Ms)} / ${ms(before.p99Ms)}`,
          `${ms(after.p50Ms)} / ${ms(after.p99Ms)}`,
          round(before.cpuUsPerRequest),
          round(after.cpuUsPerRequest),
        ]);
      }
    }
    tables.push({
      title: `Before (${baseline.commit.slice(0, 7)}) and after (working tree), back to back`,
      columns: ['server', 'events/request', 'connections', 'before req/s', 'after req/s', 'after ÷ before', 'before p50 / p99 ms', 'after p50 / p99 ms', 'before CPU µs/req', 'after CPU µs/req'],
      rows: compareRows,
    });
    ratios.push({
      name: `HTTP single-event appends, SQLite ÷ Fastify no-op, c=16, before (${baseline.commit.slice(0, 7)}; context)`,
      value: rate(get(beforeLabel('sqlite'), 1, 16), noop16),
      target: '—',
      met: null,
    });
  }
  return {
    name: 'http',
    title: `HTTP appends (own load generator: undici, keep-alive, new stream per request; median of ${timing.rounds} rounds of ${timing.durationSec} s)`,
    tables,
    ratios,
    notes,
    seconds: 0,
  };
}
