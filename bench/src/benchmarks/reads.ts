import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import type { Storage } from '@eventlane/store';
import { DEFAULT_SQLITE_FILE_NAME, getSQLiteStorage } from '@eventlane/store/sqlite';
import { atLeast, type BenchContext, type BenchmarkResult, type Cell, type Ratio } from '../context';
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
  const rounds = context.quick ? 2 : 3;
  const rows: Cell[][] = [];
  const ratios: Ratio[] = [];

  const report = async (label: string, rest: Awaited<ReturnType<typeof readRest>>, raw: { events: number; ms: number }, target: number | null = null) => {
    if (!rows.some((row) => row[0] === label.split(' ')[0] && row[1] === 'raw driver')) {
      rows.push([label.split(' ')[0]!, 'raw driver', raw.events, round(raw.ms), round(raw.events / (raw.ms / 1000))]);
    }
    if ('status' in rest) {
      notes.push(`${label}: the REST read route answered ${rest.status}; not measured (the read routes are not in apps/server yet)`);
      ratios.push({ name: `Reads ${label}: REST ÷ raw driver, events/s (context)`, value: null, target: '—', met: null, note: `REST route answered ${rest.status}` });
      return;
    }
    rows.push([label, 'REST pages', rest.events, round(rest.ms), round(rest.events / (rest.ms / 1000))]);
    const rate = (x: { events: number; ms: number }) => x.events / x.ms;
    ratios.push(
      target === null
        ? { name: `Reads ${label}: REST ÷ raw driver, events/s (context)`, value: rate(rest) / rate(raw), target: '—', met: null }
        : atLeast(`Reads ${label}: REST pages ÷ raw driver reading and parsing the same rows, events/s`, rate(rest) / rate(raw), target),
    );
  };

  // Seeded through the adapter from this process; read by the server in its own process (and,
  // with --compare, by the older commit's server on a copy seeded the same way), taking turns.
  try {
    const baseline = await context.baseline().catch(() => null);
    const servers = [{ label: 'sqlite', server: await context.server('sqlite') }];
    if (baseline) servers.push({ label: `sqlite (before: ${baseline.commit.slice(0, 7)})`, server: await context.server('sqlite', 'baseline') });
    const streamId = uniqueStreamId('long');
    for (const { server } of servers) {
      const storage = await getSQLiteStorage({ dataDir: server.dataDir! });
      await seed(storage, streamId, total);
      await storage.close();
    }
    const restReads = new Map<string, Array<Awaited<ReturnType<typeof readRest>>>>(servers.map((s) => [s.label, []]));
    const rawReads: Array<{ events: number; ms: number }> = [];
    const db = new Database(join(servers[0]!.server.dataDir!, DEFAULT_SQLITE_FILE_NAME), { readonly: true });
    const page = db.prepare(
      `SELECT event_id AS eventId, stream_id AS streamId, stream_type AS streamType, stream_position AS streamPosition,
              global_position AS globalPosition, type, data, metadata, schema_version AS schemaVersion,
              transaction_id AS transactionId, created_at AS createdAt
         FROM events WHERE org = ? AND store = ? AND stream_id = ? AND stream_position >= ? ORDER BY stream_position LIMIT ?`,
    );
    const readRaw = () => {
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
      return { events, ms: elapsedMs(start) };
    };
    // Rounds in turn (raw, then each server); the fastest round of each counts: the machine is shared.
    for (let r = 0; r < rounds; r += 1) {
      rawReads.push(readRaw());
      for (const { label, server } of servers) restReads.get(label)!.push(await readRest(server.url, server.key, streamId, maxMs));
    }
    db.close();
    const raw = rawReads.reduce((best, x) => (x.ms < best.ms ? x : best));
    for (const { label } of servers) {
      const measured = restReads.get(label)!;
      const failed = measured.find((x) => 'status' in x);
      const rest = failed ?? measured.reduce((best, x) => ('ms' in x && 'ms' in best && x.ms < best.ms ? x : best));
      await report(label, rest, raw, label === 'sqlite' ? 0.5 : null);
    }
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
