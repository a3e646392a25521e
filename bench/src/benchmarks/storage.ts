import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { getSQLiteEventStore } from '@event-driven-io/emmett-sqlite';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import type { Storage } from '@eventlane/store';
import { getSQLiteStorage } from '@eventlane/store/sqlite';
import { atLeast, type BenchContext, type BenchmarkResult, type Cell, type Ratio } from '../context';
import { loadMongoStorage } from '../optional';
import { runConcurrent, type RunResult } from '../runner';
import { round } from '../stats';
import { BENCH_ORG, BENCH_STORE, makeEvent, uniqueStreamId } from '../workload';

const scope = { org: BENCH_ORG, store: BENCH_STORE };

type Subject = { label: string; concurrency: number; run: (budget: { maxOps: number; maxMs: number }) => Promise<RunResult> };

/**
 * The storage layer in-process, one single-event append to a new stream per operation:
 * - SQLite adapter vs Emmett's SQLite event store (the peer) vs one raw better-sqlite3
 *   transaction per append with synchronous=FULL (what one fsync per append allows);
 * - MongoDB adapter vs the raw driver inserting the same commit document into the same server
 *   (the storage ceiling: one round trip per append).
 */
export async function storage(context: BenchContext): Promise<BenchmarkResult> {
  const notes: string[] = [];
  const budget = context.quick ? { maxOps: 400, maxMs: 1000 } : { maxOps: 5000, maxMs: 6000 };
  const warmup = context.quick ? { maxOps: 30, maxMs: 300 } : { maxOps: 300, maxMs: 1500 };
  const subjects: Subject[] = [];

  const eventlaneSqlite = await getSQLiteStorage({ dataDir: context.tempDir('storage-sqlite') });
  const appendOne = (store: Storage) => () => store.append(scope, uniqueStreamId(), [makeEvent()], { expectedStreamVersion: 'no_stream' });
  for (const concurrency of [1, 16])
    subjects.push({ label: 'eventlane sqlite adapter', concurrency, run: (b) => runConcurrent({ concurrency, ...b }, appendOne(eventlaneSqlite)) });

  const emmettDir = context.tempDir('storage-emmett');
  // Emmett's defaults: WAL, SQLite's default synchronous (FULL). It opens and closes its connection
  // around every call, so concurrent calls fail (SQLITE_BUSY, SQLITE_MISUSE): it is measured sequentially.
  const emmett = getSQLiteEventStore({ fileName: join(emmettDir, 'emmett.sqlite') });
  const emmettAppend = () => {
    const { type, data, metadata } = makeEvent();
    return emmett.appendToStream(uniqueStreamId(), [{ type, data, metadata }], { expectedStreamVersion: STREAM_DOES_NOT_EXIST });
  };
  subjects.push({ label: 'emmett-sqlite', concurrency: 1, run: (b) => runConcurrent({ concurrency: 1, ...b }, emmettAppend) });

  const raw = new Database(join(context.tempDir('storage-raw'), 'raw.sqlite'));
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.exec(`CREATE TABLE events (global_position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_position INTEGER NOT NULL,
    event_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT, UNIQUE (stream_id, stream_position))`);
  const insert = raw.prepare('INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata) VALUES (?, 0, ?, ?, ?, ?)');
  const rawAppend = raw.transaction(() => {
    const e = makeEvent();
    insert.run(uniqueStreamId(), e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata));
  });
  subjects.push({
    label: 'raw better-sqlite3 (1 tx per append)',
    concurrency: 1,
    run: (b) => runConcurrent({ concurrency: 1, ...b }, async () => rawAppend.immediate()),
  });

  let mongoClient: MongoClient | null = null;
  let eventlaneMongo: Storage | null = null;
  const mongo = await context.mongo();
  const getMongoStorage = await loadMongoStorage();
  if ('error' in mongo) notes.push(`MongoDB: ${mongo.error}`);
  else {
    const dbName = `bench_storage_${Date.now()}`;
    if (getMongoStorage) {
      eventlaneMongo = await getMongoStorage({ uri: mongo.uri, dbName });
      for (const concurrency of [1, 16])
        subjects.push({ label: 'eventlane mongodb adapter', concurrency, run: (b) => runConcurrent({ concurrency, ...b }, appendOne(eventlaneMongo!)) });
    } else notes.push('MongoDB adapter: @eventlane/store/mongodb is not available yet; only the raw driver was measured');
    mongoClient = await new MongoClient(mongo.uri).connect();
    const commits = mongoClient.db(dbName).collection('raw_commits');
    // The adapter's commit indexes, so that the server maintains the same index entries per insert.
    await commits.createIndexes([
      { key: { org: 1, store: 1, streamId: 1, fromVersion: 1 }, name: 'stream_chain', unique: true },
      { key: { org: 1, store: 1, globalFrom: 1 }, name: 'store_chain', unique: true },
      { key: { org: 1, store: 1, globalTo: 1 }, name: 'store_chain_end' },
      { key: { org: 1, store: 1, 'events.eventId': 1 }, name: 'event_ids' },
    ]);
    let global = 0;
    // The document the adapter writes for a single-event append to a new stream (see packages/store/src/mongodb/schema.ts).
    const rawInsert = () => {
      const e = makeEvent();
      const position = global++;
      return commits.insertOne({
        org: BENCH_ORG, store: BENCH_STORE, streamId: uniqueStreamId(), streamType: 'order', fromVersion: 0, toVersion: 0,
        globalFrom: position, globalTo: position, count: 1, transactionId: randomUUID(), createdAt: new Date(),
        events: [{ eventId: e.eventId, type: e.type, data: JSON.stringify(e.data), metadata: JSON.stringify(e.metadata), schemaVersion: null }],
      });
    };
    for (const concurrency of [1, 16])
      subjects.push({ label: 'raw mongodb driver insertOne', concurrency, run: (b) => runConcurrent({ concurrency, ...b }, rawInsert) });
  }

  const measured = new Map<string, RunResult>();
  const rows: Cell[][] = [];
  try {
    for (const subject of subjects) {
      await subject.run(warmup).catch(() => undefined); // warm-up: prepared statements, connections, JIT
      const cpuBefore = process.cpuUsage();
      const result = await subject.run(budget);
      const cpu = process.cpuUsage(cpuBefore);
      measured.set(`${subject.label}|${subject.concurrency}`, result);
      // This process's CPU (every thread: SQLite's writer thread included; MongoDB's server not) per append.
      const cpuUs = result.ops > 0 ? (cpu.user + cpu.system) / result.ops : null;
      rows.push([subject.label, subject.concurrency, result.ops, round(result.opsPerSec), round(result.p50Ms), round(result.p99Ms), cpuUs === null ? null : round(cpuUs), result.errors]);
      if (result.errors > 0) notes.push(`${subject.label} c=${subject.concurrency}: ${result.errors} errors, first: ${result.firstError}`);
    }
  } finally {
    await eventlaneSqlite.close();
    raw.close();
    await eventlaneMongo?.close();
    await mongoClient?.close();
  }

  const rate = (label: string, c: number) => measured.get(`${label}|${c}`)?.opsPerSec ?? null;
  const div = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
  const ratios: Ratio[] = [
    atLeast('SQLite adapter ÷ Emmett SQLite, sequential (c=1 each)', div(rate('eventlane sqlite adapter', 1), rate('emmett-sqlite', 1)), 5),
    atLeast('SQLite adapter c=16 ÷ Emmett SQLite (sequential: it fails concurrent calls)', div(rate('eventlane sqlite adapter', 16), rate('emmett-sqlite', 1)), 5),
    atLeast('MongoDB adapter ÷ raw driver insertOne, c=1', div(rate('eventlane mongodb adapter', 1), rate('raw mongodb driver insertOne', 1)), 0.8),
    atLeast('MongoDB adapter ÷ raw driver insertOne, c=16', div(rate('eventlane mongodb adapter', 16), rate('raw mongodb driver insertOne', 16)), 0.8),
    {
      name: 'SQLite adapter c=16 ÷ raw better-sqlite3 one tx per append (context)',
      value: div(rate('eventlane sqlite adapter', 16), rate('raw better-sqlite3 (1 tx per append)', 1)),
      target: '—',
      met: null,
    },
  ];
  return {
    name: 'storage',
    title: 'Storage in-process (single-event append to a new stream)',
    tables: [{ title: 'Storage in-process', columns: ['subject', 'concurrency', 'appends', 'appends/s', 'p50 ms', 'p99 ms', 'process CPU µs/append', 'errors'], rows }],
    ratios,
    notes,
    seconds: 0,
  };
}
