import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { startRoundRobinProxy } from '@eventlane/chaos/roundRobinProxy';
import type { Storage } from '@eventlane/store';
import { getMongoStorage } from '@eventlane/store/mongodb';
import type { BenchContext, BenchmarkResult, Cell, Ratio, Table } from '../context';
import { atLeast } from '../context';
import { spawnServer, type ServerProcess } from '../serverProcess';
import { percentile } from '../stats';
import { BENCH_ORG } from '../workload';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MB = 1024 * 1024;

interface LoadOutcome {
  acknowledged: number;
  failed: number;
  seconds: number;
}

/** `writers` loops of single-event appends (with event ids, expectation `any`) to random stores and streams, through `url`. */
async function drive(url: string, key: string, options: { writers: number; stores: string[]; streams: number; seconds: number }): Promise<LoadOutcome> {
  const end = Date.now() + options.seconds * 1000;
  let acknowledged = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: options.writers }, async (_, w) => {
      while (Date.now() < end) {
        const store = options.stores[Math.floor(Math.random() * options.stores.length)]!;
        const stream = `acct-${Math.floor(Math.random() * options.streams)}`;
        try {
          const response = await fetch(`${url}/api/event-stores/${store}/streams/${stream}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': key },
            body: JSON.stringify({ events: [{ type: 'bench.tick', data: { w }, eventId: randomUUID() }], options: { expectedStreamVersion: 'any' } }),
            signal: AbortSignal.timeout(30_000),
          });
          await response.arrayBuffer();
          if (response.status === 200) acknowledged += 1;
          else failed += 1;
        } catch {
          failed += 1;
        }
      }
    }),
  );
  return { acknowledged, failed, seconds: options.seconds };
}

/** Sequencing lag of every position of the database: `sequencedAt − createdAt`, in ms. */
async function sequencingLags(uri: string, dbName: string): Promise<number[]> {
  const client = new MongoClient(uri);
  try {
    const positions = await client
      .db(dbName)
      .collection<{ createdAt: Date; sequencedAt: Date }>('positions')
      .find({}, { projection: { _id: 0, createdAt: 1, sequencedAt: 1 } })
      .toArray();
    return positions.map((p) => p.sequencedAt.getTime() - p.createdAt.getTime()).sort((a, b) => a - b);
  } finally {
    await client.close();
  }
}

async function startInstances(uri: string, dbName: string, count: number): Promise<ServerProcess[]> {
  const servers: ServerProcess[] = [];
  // One at a time: the first creates the organization.
  for (let i = 0; i < count; i++) servers.push(await spawnServer('eventlane', { env: { BENCH_BACKEND: 'mongodb', BENCH_MONGODB_URI: uri, BENCH_MONGODB_DB: dbName } }));
  return servers;
}

/**
 * Issue 11, "Past one machine", on the MongoDB-wire test server (FerretDB v1: its absolute
 * figures say nothing about MongoDB, which uses the indexes it scans past; the ratios between
 * configurations on the same server are what this measures):
 * - throughput of 1 and 2 server instances behind a round-robin TCP proxy, on 1 and 4 stores;
 * - the sequencing lag (commit to global position) in each;
 * - the pause when a sequencer's instance dies (lease expiry);
 * - memory of one instance that has appended to 1,000 stores;
 * - append latency (event ids, new streams) on an empty store and on a big one.
 */
export async function scaleOut(context: BenchContext): Promise<BenchmarkResult> {
  const mongo = await context.mongo();
  if ('error' in mongo) return { name: 'scaleout', title: 'Past one machine', tables: [], ratios: [], notes: [`skipped: ${mongo.error}`], seconds: 0 };
  const seconds = context.quick ? 3 : 20;
  const tables: Table[] = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [`MongoDB-wire server: ${mongo.description}.`];

  // Throughput and lag: instances × stores.
  const rows: Cell[][] = [];
  const results = new Map<string, number>();
  for (const stores of [1, 4]) {
    for (const instances of [1, 2]) {
      const dbName = `bench_scale_${randomUUID().slice(0, 8)}`;
      const servers = await startInstances(mongo.uri, dbName, instances);
      const proxy = await startRoundRobinProxy(servers.map((s) => Number(new URL(s.url).port)));
      try {
        const names = Array.from({ length: stores }, (_, i) => `scale-${i}`);
        const load = await drive(`http://127.0.0.1:${proxy.port}`, servers[0]!.key, { writers: 8, stores: names, streams: 24, seconds });
        await sleep(2_000);
        const lags = await sequencingLags(mongo.uri, dbName);
        const rate = load.acknowledged / load.seconds;
        results.set(`${stores}x${instances}`, rate);
        rows.push([stores, instances, load.acknowledged, rate.toFixed(1), load.failed, lags.length, percentile(lags, 50), percentile(lags, 99), lags[lags.length - 1] ?? null]);
      } finally {
        await proxy.close();
        for (const server of servers) await server.stop();
      }
    }
  }
  tables.push({
    title: `Appends through a round-robin proxy: 8 writers, 24 streams per store, single events with ids, ${seconds} s per cell`,
    columns: ['stores', 'instances', 'acknowledged', 'appends/s', 'failed', 'sequenced', 'lag p50 ms', 'lag p99 ms', 'lag max ms'],
    rows,
  });
  for (const stores of [1, 4]) {
    const one = results.get(`${stores}x1`) ?? 0;
    const two = results.get(`${stores}x2`) ?? 0;
    ratios.push(atLeast(`2 instances ÷ 1, ${stores} store${stores > 1 ? 's' : ''} (goal ≥ 1.0)`, one > 0 ? two / one : null, 0.9));
  }

  // Failover: the sequencer's instance dies; the other takes over once the lease (5 s) expires.
  {
    const dbName = `bench_failover_${randomUUID().slice(0, 8)}`;
    const [first] = await startInstances(mongo.uri, dbName, 1);
    const post = (server: ServerProcess, type: string) =>
      fetch(`${server.url}/api/event-stores/failover/streams/s-1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': first!.key },
        body: JSON.stringify({ events: [{ type, data: {} }] }),
      }).then((r) => r.status);
    await post(first!, 'before'); // `first` now holds the store's sequencer lease
    const [second] = await startInstances(mongo.uri, dbName, 1);
    await sleep(500);
    const killedAt = Date.now();
    process.kill(first!.pid, 'SIGKILL');
    await post(second!, 'after');
    let sequencedAfter: number | null = null;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const response = await fetch(`${second!.url}/api/event-stores/failover/events?type=after`, { headers: { 'x-api-key': first!.key } });
      const body = (await response.json()) as { events?: unknown[] };
      if (body.events && body.events.length > 0) {
        sequencedAfter = Date.now() - killedAt;
        break;
      }
      await sleep(20);
    }
    await second!.stop();
    tables.push({
      title: 'Failover: the instance holding a store’s sequencer lease is SIGKILLed; an append through the other instance',
      columns: ['lease', 'ms from kill until that append is in the global order'],
      rows: [['5000 ms (default)', sequencedAfter]],
    });
  }

  // Memory: one instance (this process) appends to 1,000 stores.
  {
    const storeCount = context.quick ? 100 : 1_000;
    const dbName = `bench_memory_${randomUUID().slice(0, 8)}`;
    const gc = (globalThis as { gc?: () => void }).gc;
    const heap = () => {
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const storage: Storage = await getMongoStorage({ uri: mongo.uri, dbName });
    try {
      const before = heap();
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < storeCount; i += 50) {
          await Promise.all(
            Array.from({ length: Math.min(50, storeCount - i) }, (_, j) =>
              storage.append({ org: BENCH_ORG, store: `mem-${i + j}` }, `s-${round}`, [{ type: 'mem', data: { round }, eventId: randomUUID() }]),
            ),
          );
        }
      }
      await sleep(1_000);
      const after = heap();
      tables.push({
        title: `Memory of one instance after 2 appends to each of ${storeCount} stores (heap after GC${gc ? '' : ' — run with --expose-gc for exact figures'})`,
        columns: ['stores', 'heap before MB', 'heap after MB', 'per store KB', 'RSS MB'],
        rows: [[storeCount, (before / MB).toFixed(1), (after / MB).toFixed(1), ((after - before) / storeCount / 1024).toFixed(2), (process.memoryUsage().rss / MB).toFixed(0)]],
      });
    } finally {
      await storage.close();
    }
  }

  // Scale: appends with event ids to new streams, on an empty store and on a big one.
  {
    const dbName = `bench_big_${randomUUID().slice(0, 8)}`;
    const storage = await getMongoStorage({ uri: mongo.uri, dbName });
    // BENCH_SCALE_BIG_EVENTS: filling 100,000 events on FerretDB v1 (which scans every query) takes long.
    const bigEvents = Number(process.env.BENCH_SCALE_BIG_EVENTS ?? (context.quick ? 2_000 : 100_000));
    if (!Number.isInteger(bigEvents) || bigEvents < 160) throw new Error(`BENCH_SCALE_BIG_EVENTS must be a whole number of at least 160, not ${JSON.stringify(process.env.BENCH_SCALE_BIG_EVENTS)}`);
    try {
      const timeAppends = async (store: string, count: number) => {
        const times: number[] = [];
        for (let i = 0; i < count; i++) {
          const t = performance.now();
          await storage.append({ org: BENCH_ORG, store }, `new-${randomUUID().slice(0, 8)}`, [{ type: 'probe', data: {}, eventId: randomUUID() }], {
            expectedStreamVersion: 'no_stream',
          });
          times.push(performance.now() - t);
        }
        return times.sort((a, b) => a - b);
      };
      const empty = await timeAppends('small', 20);
      // The big store: commits of 10 events, 16 at a time (no ids: on FerretDB each id lookup would scan what is already there).
      for (let written = 0; written < bigEvents; written += 160) {
        await Promise.all(
          Array.from({ length: 16 }, (_, j) =>
            storage.append({ org: BENCH_ORG, store: 'big' }, `fill-${(written / 10 + j) % 5000}`, Array.from({ length: 10 }, () => ({ type: 'fill', data: { j } }))),
          ),
        );
      }
      const big = await timeAppends('big', 20);
      const p50Empty = percentile(empty, 50)!;
      const p50Big = percentile(big, 50)!;
      tables.push({
        title: 'One append with an event id to a new stream (no_stream), 20 in a row: empty store vs a big one',
        columns: ['store', 'events', 'p50 ms', 'p90 ms'],
        rows: [
          ['empty', 0, p50Empty.toFixed(1), percentile(empty, 90)!.toFixed(1)],
          ['big', bigEvents, p50Big.toFixed(1), percentile(big, 90)!.toFixed(1)],
        ],
      });
      ratios.push({
        name: `append p50 on a ${bigEvents}-event store ÷ on an empty one (MongoDB: ≤ 2 by construction, see the query-shape test)`,
        value: p50Big / p50Empty,
        target: '≤ 2 on MongoDB; reported on FerretDB v1, which scans',
        met: null,
      });
    } finally {
      await storage.close();
    }
  }
  notes.push(
    'On FerretDB v1 every query scans its collection (NOTES.md): the event-id lookup an append with ids needs there grows with the database; on MongoDB it is one probe of the unique event-id index, and no lookup at all unless the index refuses the insert.',
  );
  return { name: 'scaleout', title: 'Past one machine (MongoDB adapter, several instances)', tables, ratios, notes, seconds: 0 };
}
