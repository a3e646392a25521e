import { roundTiming, type BenchContext, type BenchmarkResult, type Cell, type SharedServer, type SharedServerKind } from '../context';
import { runLoad, type LoadgenResult } from '../loadgen';
import { cpuPerRequest } from '../servers/ipc';
import { median, round } from '../stats';
import { appendBody, appendPath, makeEvents, uniqueStreamId } from '../workload';

/** Where SQLite appends commit: on the writer thread (the default) or inline on the event loop. */
const WRITERS: Array<{ label: string; kind: SharedServerKind }> = [
  { label: 'writer thread', kind: 'sqlite' },
  { label: 'inline writer', kind: 'sqlite-inline' },
];
const READ_STREAM = 'mixed-reads';
const READ_EVENTS = 1_000;
const PAGE = 100;

/** Events per append, and how many appenders (as many readers run next to them). */
interface Shape {
  batch: number;
  connections: number;
}

interface Round {
  appends: LoadgenResult;
  reads: LoadgenResult;
  cpuUsPerRequest: number;
  loopUsPerRequest: number;
}

async function fill(server: SharedServer): Promise<void> {
  for (let i = 0; i < READ_EVENTS / 100; i += 1) {
    const response = await fetch(`${server.url}${appendPath(READ_STREAM)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.key },
      body: JSON.stringify({ events: makeEvents(100) }),
    });
    if (!response.ok) throw new Error(`filling ${READ_STREAM}: ${response.status} ${await response.text()}`);
  }
}

/** Appenders and readers at once on one server, for `durationSec`; the server's CPU over the round. */
async function measureRound(server: SharedServer, { batch, connections }: Shape, durationSec: number): Promise<Round> {
  const before = await server.cpu();
  const headers = { 'x-api-key': server.key };
  let page = 0;
  const [appends, reads] = await Promise.all([
    runLoad({
      url: server.url,
      connections,
      durationSec,
      request: () => ({ method: 'POST', path: appendPath(uniqueStreamId()), headers: { ...headers, 'content-type': 'application/json' }, body: appendBody(batch) }),
    }),
    runLoad({
      url: server.url,
      connections,
      durationSec,
      // Pages of the filled stream in turn, as a console or a catching-up projection reads.
      request: () => {
        const from = (page++ * PAGE) % READ_EVENTS;
        return { method: 'GET', path: `${appendPath(READ_STREAM)}/events?fromPosition=${from}&limit=${PAGE}&sortDirection=asc`, headers };
      },
    }),
  ]);
  const after = await server.cpu();
  return {
    appends,
    reads,
    ...cpuPerRequest(before, after, appends.ok + reads.ok),
  };
}

const ms = (value: number): number => Number(value.toFixed(value < 1 ? 3 : 2));

/**
 * Appends and reads at once, on SQLite with its writer thread and with appends committed inline:
 * which default serves a mixed load better (issue 15). `connections` appenders (new streams;
 * single events, and batches of 100) and as many readers (pages of 100 events of one 1,000-event
 * stream) run together for each round; the two servers take turns round by round, the order rotating. Each figure is
 * the median over the rounds. An append-only run cannot show this: inline commits run the fsync
 * on the event loop, which is where reads wait.
 */
export async function mixedLoad(context: BenchContext): Promise<BenchmarkResult> {
  const notes: string[] = [];
  const timing = roundTiming(context);
  // Batches of 100 too: an inline commit holds the event loop for the whole transaction.
  const shapes: Shape[] = context.quick
    ? [{ batch: 1, connections: 4 }]
    : [
        { batch: 1, connections: 4 },
        { batch: 1, connections: 8 },
        { batch: 100, connections: 4 },
      ];

  const servers = new Map<string, SharedServer>();
  for (const writer of WRITERS) {
    try {
      const server = await context.server(writer.kind);
      await fill(server);
      servers.set(writer.label, server);
    } catch (error) {
      notes.push(`${writer.label}: not measured (${(error as Error).message})`);
    }
  }
  const rows: Cell[][] = [];
  const byWriter = new Map<string, Round[]>();
  for (const shape of shapes) {
    const { batch, connections } = shape;
    const present = WRITERS.filter((w) => servers.has(w.label));
    for (const writer of present) await measureRound(servers.get(writer.label)!, shape, timing.warmupSec);
    const rounds = new Map<string, Round[]>(present.map((w) => [w.label, []]));
    for (let r = 0; r < timing.rounds; r += 1) {
      const order = present.map((_, i) => present[(i + r) % present.length]!);
      for (const writer of order) rounds.get(writer.label)!.push(await measureRound(servers.get(writer.label)!, shape, timing.durationSec));
    }
    for (const [label, measured] of rounds) {
      const m = (pick: (round: Round) => number) => median(measured.map(pick));
      rows.push([
        label,
        batch,
        `${connections} + ${connections}`,
        round(m((x) => x.appends.requestsPerSec)),
        `${ms(m((x) => x.appends.p50Ms))} / ${ms(m((x) => x.appends.p99Ms))}`,
        round(m((x) => x.reads.requestsPerSec)),
        round(m((x) => x.reads.requestsPerSec) * PAGE),
        `${ms(m((x) => x.reads.p50Ms))} / ${ms(m((x) => x.reads.p99Ms))}`,
        round(m((x) => x.cpuUsPerRequest)),
        round(m((x) => x.loopUsPerRequest)),
        measured.reduce((n, x) => n + x.appends.failed + x.reads.failed, 0),
      ]);
      const failure = measured.map((x) => x.appends.firstFailure ?? x.reads.firstFailure).find(Boolean);
      if (failure) notes.push(`${label} ${batch} events, ${connections} + ${connections}: first failure ${failure}`);
      if (batch === 1) byWriter.set(`${label}|${connections}`, measured);
      else byWriter.set(`${label}|batch`, measured);
    }
  }
  const ratio = (pick: (round: Round) => number, which: string) => {
    const thread = byWriter.get(`writer thread|${which}`);
    const inline = byWriter.get(`inline writer|${which}`);
    if (!thread || !inline) return null;
    const t = median(thread.map(pick));
    return t > 0 ? Number((median(inline.map(pick)) / t).toFixed(2)) : null;
  };
  const c = Math.max(...shapes.filter((x) => x.batch === 1).map((x) => x.connections));
  const big = shapes.find((x) => x.batch > 1);
  return {
    name: 'mixed',
    title: `Appends and reads at once on SQLite: writer thread or inline (median of ${timing.rounds} rounds of ${timing.durationSec} s)`,
    tables: [
      {
        title: 'Mixed load',
        columns: ['SQLite appends', 'events/append', 'appenders + readers', 'appends/s', 'append p50 / p99 ms', 'page reads/s', 'events read/s', 'read p50 / p99 ms', 'process CPU µs/request', 'event-loop busy µs/request', 'failed'],
        rows,
      },
    ],
    ratios: [
      { name: `Mixed load c=${c}+${c}: appends/s, inline ÷ writer thread (context: the writer default)`, value: ratio((x) => x.appends.requestsPerSec, String(c)), target: '—', met: null },
      { name: `Mixed load c=${c}+${c}: page reads/s, inline ÷ writer thread (context)`, value: ratio((x) => x.reads.requestsPerSec, String(c)), target: '—', met: null },
      { name: `Mixed load c=${c}+${c}: read p99, inline ÷ writer thread (context)`, value: ratio((x) => x.reads.p99Ms, String(c)), target: '—', met: null },
      ...(big
        ? [
            { name: `Mixed load, ${big.batch}-event appends, c=${big.connections}+${big.connections}: events appended/s, inline ÷ writer thread (context)`, value: ratio((x) => x.appends.requestsPerSec, 'batch'), target: '—', met: null },
            { name: `Mixed load, ${big.batch}-event appends, c=${big.connections}+${big.connections}: read p99, inline ÷ writer thread (context)`, value: ratio((x) => x.reads.p99Ms, 'batch'), target: '—', met: null },
          ]
        : []),
    ],
    notes,
    seconds: 0,
  };
}
