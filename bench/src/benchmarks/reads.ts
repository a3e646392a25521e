import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Storage } from '@eventlane/store';
import { DEFAULT_SQLITE_FILE_NAME, getSQLiteStorage } from '@eventlane/store/sqlite';
import { type BenchContext, type BenchmarkResult, type Cell, type Ratio } from '../context';
import { loadMongoStorage } from '../optional';
import { elapsedMs, round } from '../stats';
import { BENCH_ORG, appendPath, makeEvents, uniqueStreamId } from '../workload';

const PAGE = 1000;

/** Appends `total` events in batches of 1000, or as many as fit in `maxMs`; returns how many. */
// A store of its own: the HTTP benchmark leaves tens of thousands of streams in `bench`.
const READS_STORE = 'bench-reads';

async function seed(storage: Storage, streamId: string, total: number, maxMs = Infinity): Promise<number> {
  const deadline = Date.now() + maxMs;
  let written = 0;
  while (written < total && Date.now() < deadline) {
    const count = Math.min(PAGE, total - written);
    await storage.append({ org: BENCH_ORG, store: READS_STORE }, streamId, makeEvents(count), { expectedStreamVersion: written });
    written += count;
  }
  return written;
}

/** Reads the stream through the REST pages; null when the server has no such route (404). */
async function readRest(url: string, key: string, streamId: string, maxMs: number): Promise<{ events: number; ms: number } | { status: number }> {
  const start = process.hrtime.bigint();
  const deadline = Date.now() + maxMs;
  let from = 0;
  let events = 0;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}${appendPath(streamId, READS_STORE)}/events?fromPosition=${from}&limit=${PAGE}&sortDirection=asc`, { headers: { 'x-api-key': key } });
    if (response.status !== 200) return { status: response.status };
    const page = (await response.json()) as { events: Array<{ streamPosition: number; data: unknown }>; pagination?: { hasMore?: boolean } };
    events += page.events.length;
    const last = page.events[page.events.length - 1];
    if (!last || page.pagination?.hasMore === false) break;
    from = last.streamPosition + 1;
  }
  return { events, ms: elapsedMs(start) };
}

/**
 * A long stream (100,000 events; 10,000 with --quick, 2,000 on MongoDB) read end to end in pages of 1000 through
 * `GET /api/event-stores/{name}/streams/{id}/events`, against the raw driver reading the same
 * rows/documents page by page and parsing each event's JSON (what any consumer has to do).
 */
export async function reads(context: BenchContext): Promise<BenchmarkResult> {
  const notes: string[] = [];
  const total = context.quick ? 10_000 : 100_000;
  // FerretDB v1 reads about a thousand events a second here: its stream is shorter and every read
  // stops after maxMs, reporting the rate over what it read.
  const mongoTotal = context.quick ? 2_000 : 100_000;
  const maxMs = context.quick ? 10_000 : 60_000;
  const rows: Cell[][] = [];
  const ratios: Ratio[] = [];

  const report = async (label: string, rest: Awaited<ReturnType<typeof readRest>>, raw: { events: number; ms: number }) => {
    rows.push([label, 'raw driver', raw.events, round(raw.ms), round(raw.events / (raw.ms / 1000))]);
    if ('status' in rest) {
      notes.push(`${label}: the REST read route answered ${rest.status}; not measured (the read routes are not in apps/server yet)`);
      ratios.push({ name: `Reads ${label}: REST ÷ raw driver, events/s (context)`, value: null, target: '—', met: null, note: `REST route answered ${rest.status}` });
      return;
    }
    rows.push([label, 'REST pages', rest.events, round(rest.ms), round(rest.events / (rest.ms / 1000))]);
    ratios.push({ name: `Reads ${label}: REST ÷ raw driver, events/s (context)`, value: raw.ms / rest.ms, target: '—', met: null });
  };

  // Seeded through the adapter from this process; read by the server in its own process.
  try {
    const server = await context.server('sqlite');
    const dataDir = server.dataDir!;
    const streamId = uniqueStreamId('long');
    const storage = await getSQLiteStorage({ dataDir });
    await seed(storage, streamId, total);
    await storage.close();
    const rest = await readRest(server.url, server.key, streamId, maxMs);
    const db = new Database(join(dataDir, DEFAULT_SQLITE_FILE_NAME), { readonly: true });
    const page = db.prepare(
      `SELECT stream_position AS streamPosition, event_id AS eventId, type, data, metadata, global_position AS globalPosition, created_at AS createdAt
         FROM events WHERE org = ? AND store = ? AND stream_id = ? AND stream_position >= ? ORDER BY stream_position LIMIT ?`,
    );
    const start = process.hrtime.bigint();
    let events = 0;
    for (let from = 0; ; ) {
      const batch = page.all(BENCH_ORG, READS_STORE, streamId, from, PAGE) as Array<{ streamPosition: number; data: string; metadata: string | null }>;
      for (const row of batch) {
        JSON.parse(row.data);
        if (row.metadata) JSON.parse(row.metadata);
      }
      events += batch.length;
      if (batch.length < PAGE) break;
      from = batch[batch.length - 1]!.streamPosition + 1;
    }
    db.close();
    await report('sqlite', rest, { events, ms: elapsedMs(start) });
  } catch (error) {
    notes.push(`sqlite: not measured (${(error as Error).message})`);
  }

  const getMongoStorage = await loadMongoStorage();
  if (!getMongoStorage) notes.push('MongoDB: the adapter (@eventlane/store/mongodb) is not available yet; not measured');
  else
    try {
      const server = await context.server('mongodb');
      const streamId = uniqueStreamId('long');
      const storage = await getMongoStorage({ uri: server.mongoUri!, dbName: server.dbName! });
      const seeded = await seed(storage, streamId, mongoTotal, maxMs);
      if (seeded < mongoTotal) notes.push(`mongodb: seeding stopped after ${maxMs / 1000} s at ${seeded.toLocaleString('en-US')} events`);
      await storage.close();
      const rest = await readRest(server.url, server.key, streamId, maxMs);
      const client = await new MongoClient(server.mongoUri!).connect();
      try {
        const commits = client.db(server.dbName!).collection('commits');
        const start = process.hrtime.bigint();
        const deadline = Date.now() + maxMs;
        let events = 0;
        // Commit documents in stream order; each holds up to 1000 events here (one per seeding append).
        for (let from = 0; Date.now() < deadline; ) {
          const [commit] = (await commits
            .find({ org: BENCH_ORG, store: READS_STORE, streamId, fromVersion: { $gte: from } })
            .sort({ fromVersion: 1 })
            .limit(1)
            .toArray()) as unknown as Array<{ toVersion: number; events: Array<{ data: string; metadata: string | null }> }>;
          if (!commit) break;
          for (const event of commit.events) {
            JSON.parse(event.data);
            if (event.metadata) JSON.parse(event.metadata);
          }
          events += commit.events.length;
          from = commit.toVersion + 1;
        }
        await report('mongodb', rest, { events, ms: elapsedMs(start) });
      } finally {
        await client.close();
      }
    } catch (error) {
      notes.push(`mongodb: not measured (${(error as Error).message})`);
    }
  return {
    name: 'reads',
    title: `Reads of a ${total.toLocaleString('en-US')}-event stream (MongoDB: ${mongoTotal.toLocaleString('en-US')}) in pages of ${PAGE}, each read stopped after ${maxMs / 1000} s`,
    tables: [{ title: 'Reads', columns: ['backend', 'through', 'events', 'ms', 'events/s'], rows }],
    ratios,
    notes,
    seconds: 0,
  };
}
