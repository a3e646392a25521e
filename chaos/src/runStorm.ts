import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Storage } from '@eventlane/store';
import { checkHistory, type Expectation, type Operation, type Outcome, type ReaderObservation, type StoredEventView, type Violation } from './checker';
import { measureLoadCost, type LoadCost } from './loadCost';
import { ferretdbBinary, freePort, killHard, restartServer, startFerretDB, startServer, type ServerProcess } from './processes';
import { between, seededRandom, zipf } from './random';
import { openStorage, type Backend } from './openBackend';
import { startRoundRobinProxy } from './roundRobinProxy';

export type { Backend } from './openBackend';
/** What gets SIGKILLed: an Eventlane server instance, the MongoDB-wire database process, or nothing. */
export type KillTarget = 'server' | 'database' | 'none';

export interface StormOptions {
  backend: Backend;
  kill: KillTarget;
  seed: number;
  writers?: number;
  streams?: number;
  /** Server instances on the one database, behind a round-robin TCP proxy (MongoDB only for more than 1). */
  instances?: number;
  /** How long writers start new appends, in ms. */
  loadMs?: number;
  /** Pause between a restart and the next kill, in ms (drawn from the seeded PRNG). */
  killEveryMs?: [number, number];
  /** Writers give up on an unknown outcome after this long past the load window. */
  settleMs?: number;
  log?: (line: string) => void;
}

export interface StormResult {
  backend: Backend;
  kill: KillTarget;
  seed: number;
  instances: number;
  /** How long writers started new appends, in ms. */
  loadMs: number;
  operations: number;
  outcomes: Record<Outcome, number>;
  /** `ok` answers with eventsWritten 0: a retry after a lost answer found its events already stored. */
  replays: number;
  attempts: number;
  kills: number;
  eventsStored: number;
  readerSaw: number;
  violations: Violation[];
  /** Answers that left an outcome unknown, by kind (`503 Service unavailable`, `network TypeError`). */
  transient: Record<string, number>;
  /** CPU time used during the load by the database process and by the server instances (no-kill runs only), ms. */
  cpuMs: LoadCost['cpuMs'];
  /** Commands the MongoDB-wire server received during the load, by name (MongoDB no-kill runs only). */
  databaseCommands: LoadCost['databaseCommands'];
  durationMs: number;
}

const STORE = 'chaos';

/**
 * What the MongoDB collections hold for the operations a violation names (commit, marker,
 * position, instances), so that a failed storm can be diagnosed after the fact.
 */
async function explainMongo(uri: string, operations: Operation[], violations: Violation[], log: (line: string) => void): Promise<void> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(uri);
  try {
    const db = client.db('chaos');
    const ids = new Set(violations.flatMap((v) => [...v.message.matchAll(/op (\d+)/g)].map((m) => Number(m[1]))));
    for (const op of operations.filter((o) => ids.has(o.id))) {
      const commit = await db.collection('commits').findOne({ 'events.eventId': op.eventIds[0] }, { projection: { events: 0 } });
      const marker = commit ? await db.collection('markers').findOne({ _id: commit._id }) : null;
      const position = commit ? await db.collection('positions').findOne({ commit: commit._id }) : null;
      log(`  op ${op.id}: commit ${JSON.stringify(commit)}; marker ${marker ? 'yes' : 'no'}; position ${position ? JSON.stringify(position) : 'none'}`);
    }
    log(`  instances: ${JSON.stringify(await db.collection('instances').find({}).toArray())}`);
    log(`  markers left: ${await db.collection('markers').countDocuments({})}`);
  } finally {
    await client.close();
  }
}

const ORG = 'default';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One crash storm: 16 writers append to Zipf-distributed streams with mixed expectations and
 * client event ids while the server (or the database) is SIGKILLed and restarted at seeded random
 * intervals; writers retry unknown outcomes with the same ids; a catch-up reader follows the
 * store's global order throughout. Then the checker reads everything back.
 */
export async function runStorm(options: StormOptions): Promise<StormResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const writers = options.writers ?? 16;
  const streamCount = options.streams ?? 8;
  const loadMs = options.loadMs ?? 6_000;
  const [killMin, killMax] = options.killEveryMs ?? [300, 1_200];
  const settleMs = options.settleMs ?? 30_000;
  const random = seededRandom(options.seed);
  const pickStream = zipf(random, streamCount);
  const dir = mkdtempSync(join(tmpdir(), `eventlane-chaos-${options.backend}-`));
  if (options.backend === 'sqlite' && options.kill === 'database') throw new Error('SQLite runs inside the server: use kill=server');
  const instanceCount = options.instances ?? 1;
  if (options.backend === 'sqlite' && instanceCount > 1) throw new Error('several instances need MongoDB');

  let database: ChildProcess | null = null;
  let databaseUri = '';
  const databasePort = options.backend === 'mongodb' ? await freePort() : 0;
  const ferretdb = options.backend === 'mongodb' ? ferretdbBinary() : null;
  // Without kills, FerretDB's command counters tell what the load cost the database, by command.
  const debugPort = options.backend === 'mongodb' && options.kill === 'none' ? await freePort() : undefined;
  if (options.backend === 'mongodb') {
    if (!ferretdb) throw new Error('no FerretDB binary in the cache folder: run `npm test` once (it builds it) or scripts/setup.sh --test');
    database = await startFerretDB(ferretdb, databasePort, join(dir, 'ferretdb'), undefined, debugPort);
    databaseUri = `mongodb://127.0.0.1:${databasePort}/`;
  }
  const envFor = (port: number): Record<string, string> =>
    options.backend === 'sqlite' ? { PORT: String(port), DATA_DIR: join(dir, 'data') } : { PORT: String(port), MONGODB_URI: databaseUri, MONGODB_DB: 'chaos' };
  const ports: number[] = [];
  for (let i = 0; i < instanceCount; i++) ports.push(await freePort());
  // One at a time: the first start creates the organization and prints its key.
  const servers: ServerProcess[] = [];
  for (const port of ports) servers.push(await startServer(envFor(port)));
  const key = servers[0]!.firstKey;
  if (!key) throw new Error(`the first start printed no key:\n${servers[0]!.output()}`);
  const proxy = await startRoundRobinProxy(ports);
  const base = `http://127.0.0.1:${proxy.port}/api/event-stores/${STORE}/streams/`;

  let storage: Storage | null = null;
  const openChecked = () => openStorage(options.backend, { dataDir: join(dir, 'data'), uri: databaseUri, dbName: 'chaos' });

  const operations: Operation[] = [];
  /** Answers that left an outcome unknown (5xx, network errors), by kind. */
  const transient: Record<string, number> = {};
  const known = new Map<string, number>();
  let nextOpId = 0;
  let kills = 0;
  const loadEnd = Date.now() + loadMs;
  // Writers give up on an unknown outcome only once the server has been up for settleMs past the
  // load window: a restart on a loaded machine can take longer than any fixed deadline.
  let restarting = false;
  let upSince = Date.now();
  const mayRetry = () => restarting || Date.now() < Math.max(loadEnd, upSince) + settleMs;
  const t = () => Date.now() - started;

  const chooseExpectation = (streamId: string): Expectation => {
    const r = random();
    const version = known.get(streamId) ?? 0;
    if (r < 0.45) return version;
    if (r < 0.5) return Math.max(0, version - 1); // deliberately stale
    if (r < 0.65) return 'any';
    if (r < 0.8) return 'omitted';
    if (r < 0.9) return 'no_stream';
    return 'stream_exists';
  };

  const writer = async (writerId: number) => {
    while (Date.now() < loadEnd) {
      const streamId = `acct-${pickStream()}`;
      const expected = chooseExpectation(streamId);
      const size = between(random, 1, 3);
      const eventIds = Array.from({ length: size }, () => randomUUID());
      const op: Operation = {
        id: nextOpId++,
        writer: writerId,
        streamId,
        expected,
        eventIds,
        invokedAt: t(),
        completedAt: 0,
        attempts: 0,
        outcome: 'unknown',
      };
      operations.push(op);
      const body = JSON.stringify({
        events: eventIds.map((eventId, i) => ({ type: 'chaos.tick', data: { writer: writerId, op: op.id, i }, eventId })),
        ...(expected === 'omitted' ? {} : { options: { expectedStreamVersion: expected } }),
      });
      // Unknown outcomes (connection lost, 5xx, timeout) are retried with the same ids until definite.
      while (op.outcome === 'unknown' && mayRetry()) {
        op.attempts++;
        try {
          const response = await fetch(base + streamId, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': key },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          const answer = (await response.json()) as Record<string, unknown>;
          if (response.status === 200) {
            op.outcome = 'ok';
            op.nextExpectedStreamVersion = answer.nextExpectedStreamVersion as number;
            op.eventsWritten = answer.eventsWritten as number;
            known.set(streamId, Math.max(known.get(streamId) ?? 0, op.nextExpectedStreamVersion));
          } else if (response.status === 409 && answer.error === 'Version conflict') {
            op.outcome = 'conflict';
            known.set(streamId, answer.currentVersion as number);
          } else if (response.status === 409) {
            op.outcome = 'duplicate';
          } else if (response.status === 400) {
            op.outcome = 'rejected';
            log(`op ${op.id} rejected: ${JSON.stringify(answer)}`);
          } else {
            const label = `${response.status} ${String(answer.error ?? '')}`;
            if (!transient[label]) {
              log(`  first ${label} at t=${t()} ms: ${JSON.stringify(answer).slice(0, 200)}`);
              // A 500 is a bug, not an outage: show what the servers logged about it.
              if (response.status === 500) for (const server of servers) log(`  server log: ${server.output().slice(-1500)}`);
            }
            transient[label] = (transient[label] ?? 0) + 1;
          }
        } catch (error) {
          // connection refused or reset while the server is down: outcome unknown
          const label = `network ${(error as Error).name}`;
          transient[label] = (transient[label] ?? 0) + 1;
        }
        op.completedAt = t();
        if (op.outcome === 'unknown') await sleep(between(random, 50, 250));
      }
    }
  };

  const reader: ReaderObservation[] = [];
  let readerStop = false;
  let lastSeen = -1;
  const drain = async () => {
    storage ??= await openChecked();
    for (;;) {
      const page = await storage.readStore({ org: ORG, store: STORE }, { fromPosition: lastSeen + 1, limit: 500 });
      for (const event of page.events) {
        reader.push({ eventId: event.eventId, globalPosition: event.globalPosition });
        lastSeen = event.globalPosition;
      }
      if (!page.hasMore) return;
    }
  };
  const readerLoop = async () => {
    while (!readerStop) {
      try {
        await drain();
      } catch {
        // store not created yet, or the database is down: try again
      }
      await sleep(25);
    }
  };

  const killer = async () => {
    if (options.kill === 'none') return;
    while (Date.now() < loadEnd) {
      await sleep(between(random, killMin, killMax));
      if (Date.now() >= loadEnd) return;
      kills++;
      restarting = true;
      if (options.kill === 'server') {
        const index = Math.floor(random() * servers.length);
        await killHard(servers[index]!.child);
        log(`  kill ${kills}: server ${index + 1}/${servers.length} SIGKILL at t=${t()} ms`);
        servers[index] = await restartServer(envFor(ports[index]!), log);
      } else {
        await killHard(database!);
        log(`  kill ${kills}: database SIGKILL at t=${t()} ms`);
        await sleep(between(random, 100, 500));
        database = await startFerretDB(ferretdb!, databasePort, join(dir, 'ferretdb'));
      }
      upSince = Date.now();
      restarting = false;
    }
  };

  let cost: LoadCost = { cpuMs: { database: null, servers: null }, databaseCommands: null };
  try {
    const readerDone = readerLoop();
    // Measured only without kills: with them, the processes at the end are not those of the start.
    const endCost = options.kill === 'none' ? await measureLoadCost(() => ({ database: database?.pid, servers: servers.map((s) => s.child.pid) }), debugPort) : null;
    await Promise.all([killer(), ...Array.from({ length: writers }, (_, i) => writer(i))]);
    if (endCost) cost = await endCost();
    readerStop = true;
    await readerDone;
    for (const server of servers) await killHard(server.child);
    // MongoDB gives global positions after the answer: wait until every commit has one (a lease
    // held by a killed instance expires first), then read everything.
    storage ??= await openChecked();
    await storage.waitForGlobalOrder({ org: ORG, store: STORE }, { timeoutMs: 120_000 });
    await drain();

    const events: StoredEventView[] = [];
    let from = -1;
    for (;;) {
      const page = await storage!.readStore({ org: ORG, store: STORE }, { fromPosition: from + 1, limit: 1000 });
      for (const e of page.events) {
        events.push({ eventId: e.eventId, streamId: e.streamId, streamPosition: e.streamPosition, globalPosition: e.globalPosition, transactionId: e.transactionId });
        from = e.globalPosition;
      }
      if (!page.hasMore) break;
    }
    const streamVersions = new Map<string, number>();
    for (let s = 0; s < streamCount; s++) {
      const streamId = `acct-${s}`;
      const read = await storage!.readStream({ org: ORG, store: STORE }, streamId, { limit: 1 });
      streamVersions.set(streamId, read.currentStreamVersion);
    }
    const violations = checkHistory({ operations, events, streamVersions, reader });
    if (options.backend === 'mongodb' && violations.length > 0) await explainMongo(databaseUri, operations, violations, log);
    const outcomes: Record<Outcome, number> = { ok: 0, conflict: 0, duplicate: 0, rejected: 0, unknown: 0 };
    for (const op of operations) outcomes[op.outcome]++;
    return {
      backend: options.backend,
      kill: options.kill,
      seed: options.seed,
      instances: instanceCount,
      loadMs,
      operations: operations.length,
      outcomes,
      replays: operations.filter((op) => op.outcome === 'ok' && op.eventsWritten === 0).length,
      attempts: operations.reduce((sum, op) => sum + op.attempts, 0),
      kills,
      eventsStored: events.length,
      readerSaw: reader.length,
      violations,
      transient,
      ...cost,
      durationMs: Date.now() - started,
    };
  } finally {
    readerStop = true;
    for (const server of servers) await killHard(server.child);
    await proxy.close();
    await (storage as Storage | null)?.close().catch(() => {});
    if (database) await killHard(database);
    rmSync(dir, { recursive: true, force: true });
  }
}
