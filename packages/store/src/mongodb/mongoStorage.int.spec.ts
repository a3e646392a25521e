import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Scope, Storage } from '../eventStore';
import { UnavailableError, VersionConflictError } from '../errors';
import { durabilityFor } from './getMongoStorage';
import { getMongoStorage } from './index';
import { commitId, type CommitDoc, type InstanceDoc, type StoreDoc } from './schema';

const uri = inject('mongoUri');
const dbNameFor = (tag: string) => `eventlane_test_${tag}_${randomUUID().slice(0, 8)}`;
const scopeOf = (store = 'shared'): Scope => ({ org: `org-${randomUUID().slice(0, 8)}`, store });
const e = (type: string, data: Record<string, unknown> = {}, eventId?: string) => ({ type, data, ...(eventId ? { eventId } : {}) });

/** A client whose commands are recorded as `<command> <collection>`. */
function monitoredClient(): { client: MongoClient; commands: string[] } {
  const client = new MongoClient(uri!, { monitorCommands: true });
  const commands: string[] = [];
  client.on('commandStarted', (event) => {
    const collection = (event.command as Record<string, unknown>)[event.commandName];
    commands.push(`${event.commandName} ${typeof collection === 'string' ? collection : ''}`.trim());
  });
  return { client, commands };
}

describe.skipIf(!uri)('mongodb adapter: several instances on one database', () => {
  const dbName = dbNameFor('instances');
  let a: Storage;
  let b: Storage;
  beforeAll(async () => {
    a = await getMongoStorage({ uri: uri!, dbName });
    // Regression: FerretDB v1.24 dropped the connection when a second instance re-created the
    // indexes several per call, so opening the same database twice failed.
    b = await getMongoStorage({ uri: uri!, dbName });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('lands concurrent appends from two instances in one gapless global order, each stream in order', async () => {
    const s = scopeOf();
    await Promise.all(
      [a, b].map(async (storage, w) => {
        for (let i = 0; i < 10; i++) await storage.append(s, i % 2 === 0 ? 'hot' : `own-${w}`, [e('e', { w, i }), e('e', { w, i })]);
      }),
    );
    await a.waitForGlobalOrder(s);
    await b.waitForGlobalOrder(s);
    const { events, currentStreamVersion } = await b.readStream(s, 'hot', { limit: 100 });
    expect(currentStreamVersion).toBe(20);
    expect(events.map((x) => x.streamPosition)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const all = await a.readStore(s, { limit: 100 });
    expect(all.events.map((x) => x.globalPosition)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // Within each stream, global order follows stream order.
    for (const stream of ['hot', 'own-0', 'own-1']) {
      const positions = all.events.filter((x) => x.streamId === stream).map((x) => x.streamPosition);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
    }
    // A stream read shows the global positions once they are known.
    expect(events.every((x) => typeof x.globalPosition === 'number')).toBe(true);
  });

  it('lets one instance win a numeric expectation and answers the other with the current version', async () => {
    const s = scopeOf();
    await a.append(s, 'x', [e('seed')]);
    await b.append(s, 'x', [e('b')], { expectedStreamVersion: 1 });
    // `a` still believes the stream is at 1: its insert collides, it reads the chain, then conflicts.
    const error = await a.append(s, 'x', [e('a')], { expectedStreamVersion: 1 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ expected: 1, current: 2 });
  });

  it('answers a retry on the other instance as a replay', async () => {
    const s = scopeOf();
    await b.append(s, 'y', [e('warm')]);
    const events = [randomUUID(), randomUUID()].map((id) => e('e', {}, id));
    expect(await a.append(s, 'y', events)).toEqual({ nextExpectedStreamVersion: 3, eventsWritten: 2 });
    // `b` has not seen a's commit: its expectation fails against what it knows, the ids are looked up.
    expect(await b.append(s, 'y', events, { expectedStreamVersion: 1 })).toEqual({ nextExpectedStreamVersion: 3, eventsWritten: 0 });
    expect((await b.readStream(s, 'y', { limit: 10 })).currentStreamVersion).toBe(3);
  });

  it('never lets a stale instance write into a deleted and recreated store', async () => {
    const s = scopeOf();
    await a.append(s, 'order-1', [e('old.placed')]);
    await a.append(s, 'order-2', [e('old.placed')]);
    // b deletes the store and another append recreates it; a still holds the old incarnation.
    expect(await b.deleteStore(s)).toBe(true);
    await b.append(s, 'order-2', [e('new.placed')], { expectedStreamVersion: 'no_stream' });
    // a's cached version of order-1 (1) is from the dead incarnation: in the new one the stream is empty.
    expect(await a.append(s, 'order-1', [e('new.placed')], { expectedStreamVersion: 'no_stream' })).toEqual({
      nextExpectedStreamVersion: 1,
      eventsWritten: 1,
    });
    expect(await a.append(s, 'order-2', [e('new.paid')], { expectedStreamVersion: 1 })).toEqual({ nextExpectedStreamVersion: 2, eventsWritten: 1 });
    await a.waitForGlobalOrder(s);
    const all = await b.readStore(s, { limit: 10 });
    expect(all.events.map((x) => [x.streamId, x.type, x.globalPosition])).toEqual([
      ['order-2', 'new.placed', 0],
      ['order-1', 'new.placed', 1],
      ['order-2', 'new.paid', 2],
    ]);
    expect((await a.getStore(s))?.statistics).toMatchObject({ totalStreams: 2, totalEvents: 3 });
  });
});

describe.skipIf(!uri)('mongodb adapter: round trips and groups', () => {
  it('writes the commit, then its marker, its stream head and the incarnation check together', async () => {
    const { client, commands } = monitoredClient();
    const storage = await getMongoStorage({ uri: uri!, client, dbName: dbNameFor('rt'), maxSequencerPollMs: 60_000 });
    try {
      const s = scopeOf('orders');
      await storage.append(s, 'order-1', [e('placed')]);
      await storage.waitForGlobalOrder(s);
      commands.length = 0;
      await storage.append(s, 'order-1', [e('paid', {}, randomUUID())], { expectedStreamVersion: 1 });
      const known = commands.filter((c) => !/sequencers|positions|instances|minute_counts|delete markers|update stores|find markers/.test(c));
      // Event ids need no lookup where the server enforces the unique event-id index; FerretDB v1 needs one.
      const lookup = inject('mongoKind') === 'ferretdb' ? ['find commits'] : [];
      expect(known.slice(0, lookup.length + 1)).toEqual([...lookup, 'insert commits']);
      expect(known.slice(lookup.length + 1).sort()).toEqual(['find stores', 'findAndModify streams', 'insert markers']);
      commands.length = 0;
      await storage.append(s, 'order-2', [e('placed')], { expectedStreamVersion: 'no_stream' });
      const fresh = commands.filter((c) => !/sequencers|positions|instances|minute_counts|delete markers|update stores|find markers/.test(c));
      // A new stream's head is inserted (its version comes from one head lookup, as the stream is not cached).
      expect(fresh[0]).toBe('find streams');
      expect(fresh[1]).toBe('insert commits');
      expect(fresh.slice(2).sort()).toEqual(['find stores', 'insert markers', 'insert streams']);
    } finally {
      await storage.close();
      await client.close();
    }
  });

  it('inserts the commits of appends queued behind an insert in one command and answers each', async () => {
    const { client, commands } = monitoredClient();
    const storage = await getMongoStorage({ uri: uri!, client, dbName: dbNameFor('group') });
    try {
      const s = scopeOf('orders');
      await storage.append(s, 'order-0', [e('placed')]);
      commands.length = 0;
      const ids = Array.from({ length: 16 }, () => randomUUID());
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => storage.append(s, `order-${i % 4}`, [e('e', { i }, ids[i])], { expectedStreamVersion: 'any' })),
      );
      // Appends made in one tick all wait for the store's turn and share one insert.
      expect(commands.filter((c) => c === 'insert commits')).toHaveLength(1);
      expect(results.every((r) => r.eventsWritten === 1)).toBe(true);
      await storage.waitForGlobalOrder(s);
      const all = await storage.readStore(s, { limit: 100 });
      expect(all.events.map((x) => x.globalPosition)).toEqual(Array.from({ length: 17 }, (_, i) => i));
      expect(new Set(all.events.slice(1).map((x) => x.eventId))).toEqual(new Set(ids));
      const streams = await storage.listStreams(s, { limit: 10, sortBy: 'streamId' });
      expect(streams.streams.map((x) => [x.streamId, x.streamVersion])).toEqual([
        ['order-0', 5],
        ['order-1', 4],
        ['order-2', 4],
        ['order-3', 4],
      ]);
      // Each append in a group sees the ones before it: one winner per expectation, replays answered.
      const raced = await Promise.allSettled([
        ...Array.from({ length: 8 }, () => storage.append(s, 'order-1', [e('x')], { expectedStreamVersion: 4 })),
        storage.append(s, 'order-2', [e('e', {}, ids[2]!)], { expectedStreamVersion: 'any' }),
        storage.append(s, 'order-9', [e('e', {}, ids[3]!)]),
      ]);
      expect(raced.filter((r) => r.status === 'fulfilled').length).toBe(2);
      const losers = raced.slice(0, 8).filter((r) => r.status === 'rejected');
      expect(losers.length).toBe(7);
      expect(losers.every((r) => (r as PromiseRejectedResult).reason instanceof VersionConflictError)).toBe(true);
      expect(raced[8]).toEqual({ status: 'fulfilled', value: { nextExpectedStreamVersion: 1, eventsWritten: 0 } });
      expect(raced[9]).toMatchObject({ status: 'rejected', reason: { code: 'DUPLICATE_EVENT_ID' } });
    } finally {
      await storage.close();
      await client.close();
    }
  });
});

describe.skipIf(!uri)('mongodb adapter: the sequencer and recovery', () => {
  let raw: MongoClient;
  let db: Db;
  const dbName = dbNameFor('recovery');
  beforeAll(async () => {
    raw = new MongoClient(uri!);
    db = raw.db(dbName);
  });
  afterAll(async () => {
    await raw?.close();
  });

  it('hands the sequencing over when the holder dies, once its lease has expired', async () => {
    const { client } = monitoredClient();
    const holder = await getMongoStorage({ uri: uri!, client, dbName, leaseMs: 1_000, heartbeatMs: 100 });
    const survivor = await getMongoStorage({ uri: uri!, dbName, leaseMs: 1_000, heartbeatMs: 100 });
    try {
      const s = scopeOf();
      await holder.append(s, 'a-1', [e('one')]);
      await holder.waitForGlobalOrder(s);
      // The holder's lease is live. It "dies": its connection goes, nothing is released.
      await client.close(true);
      const died = Date.now();
      await survivor.append(s, 'a-1', [e('two')]);
      await survivor.waitForGlobalOrder(s, { timeoutMs: 20_000 });
      const pause = Date.now() - died;
      const all = await survivor.readStore(s, { limit: 10 });
      expect(all.events.map((x) => [x.type, x.globalPosition])).toEqual([
        ['one', 0],
        ['two', 1],
      ]);
      // Not before the lease expired: one sequencer at a time.
      expect(pause).toBeGreaterThanOrEqual(900);
    } finally {
      await holder.close().catch(() => {});
      await survivor.close();
    }
  }, 60_000);

  it("marks and sequences a dead instance's commit that it never marked", async () => {
    const survivor = await getMongoStorage({ uri: uri!, dbName, heartbeatMs: 100 });
    try {
      const s = scopeOf();
      await survivor.append(s, 'b-1', [e('first')]);
      await survivor.waitForGlobalOrder(s);
      const store = await db.collection<StoreDoc>('stores').findOne({ _id: `${s.org}:${s.store}` });
      // A commit the dead instance inserted right before it died: no marker, no head.
      const now = new Date();
      const commit: CommitDoc = {
        _id: commitId(s, store!.inc, 'b-1', 1),
        org: s.org,
        store: s.store,
        inc: store!.inc,
        streamId: 'b-1',
        streamType: 'b',
        fromVersion: 1,
        toVersion: 1,
        count: 1,
        transactionId: randomUUID(),
        createdAt: now,
        writer: 'dead-instance',
        events: [{ eventId: randomUUID(), type: 'orphan', data: '{}', metadata: null, schemaVersion: null }],
      };
      await db.collection<CommitDoc>('commits').insertOne(commit);
      await db
        .collection<InstanceDoc>('instances')
        .insertOne({ _id: 'dead-instance', expiresAt: new Date(now.getTime() - 1), cleanUntil: new Date(now.getTime() - 1) });
      const deadline = Date.now() + 20_000;
      let types: string[] = [];
      while (Date.now() < deadline) {
        types = (await survivor.readStore(s, { limit: 10 })).events.map((x) => x.type);
        if (types.length === 2) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(types).toEqual(['first', 'orphan']);
      expect(await db.collection('instances').findOne({ _id: 'dead-instance' as never })).toBeNull();
    } finally {
      await survivor.close();
    }
  }, 60_000);

  it('sequences a commit whose marker is missing before the later commits of its stream', async () => {
    const storage = await getMongoStorage({ uri: uri!, dbName });
    try {
      const s = scopeOf();
      await storage.append(s, 'other', [e('x')]);
      const store = await db.collection<StoreDoc>('stores').findOne({ _id: `${s.org}:${s.store}` });
      // c-1's first commit, with neither marker nor head (its writer died after inserting it).
      await db.collection<CommitDoc>('commits').insertOne({
        _id: commitId(s, store!.inc, 'c-1', 0),
        org: s.org,
        store: s.store,
        inc: store!.inc,
        streamId: 'c-1',
        streamType: 'c',
        fromVersion: 0,
        toVersion: 1,
        count: 2,
        transactionId: randomUUID(),
        createdAt: new Date(),
        writer: 'someone',
        events: ['c.zero', 'c.one'].map((type) => ({ eventId: randomUUID(), type, data: '{}', metadata: null, schemaVersion: null })),
      });
      // The next append collides with it on the chain, reads the chain's end, lands at 2.
      expect(await storage.append(s, 'c-1', [e('c.two')])).toEqual({ nextExpectedStreamVersion: 3, eventsWritten: 1 });
      await storage.waitForGlobalOrder(s);
      const all = await storage.readStore(s, { limit: 10 });
      expect(all.events.filter((x) => x.streamId === 'c-1').map((x) => [x.type, x.streamPosition])).toEqual([
        ['c.zero', 0],
        ['c.one', 1],
        ['c.two', 2],
      ]);
      expect(all.events.map((x) => x.globalPosition)).toEqual([0, 1, 2, 3]);
    } finally {
      await storage.close();
    }
  });

  it('keeps counters exact: a count a dead sequencer never made is caught up from the positions', async () => {
    const storage = await getMongoStorage({ uri: uri!, dbName });
    try {
      const s = scopeOf();
      await storage.append(s, 'd-1', [e('a.x'), e('b.y')]);
      await storage.append(s, 'd-2', [e('a.x')]);
      await storage.waitForGlobalOrder(s);
      expect((await storage.getStore(s))?.statistics).toMatchObject({ totalStreams: 2, totalEvents: 3 });
      expect(await storage.countEventsByType(s)).toEqual([
        { type: 'a.x', count: 2 },
        { type: 'b.y', count: 1 },
      ]);
      // Forget the counts, as if the sequencer had died after claiming these positions.
      await db
        .collection<StoreDoc>('stores')
        .updateOne({ _id: `${s.org}:${s.store}` }, { $set: { countedTo: 0, events: 0, streams: 0, types: {}, firstEventAt: null, lastEventAt: null } });
      await storage.append(s, 'd-3', [e('$odd.type')]);
      await storage.waitForGlobalOrder(s);
      const stats = (await storage.getStore(s))?.statistics;
      expect(stats).toMatchObject({ totalStreams: 3, totalEvents: 4 });
      expect(stats?.oldestEventTimestamp).not.toBeNull();
      expect(await storage.countEventsByType(s)).toEqual([
        { type: 'a.x', count: 2 },
        { type: '$odd.type', count: 1 },
        { type: 'b.y', count: 1 },
      ]);
      const perMinute = await storage.countEventsPerMinute(s, new Date(Date.now() - 3_600_000));
      expect(perMinute.reduce((n, b) => n + b.count, 0)).toBeGreaterThanOrEqual(1);
    } finally {
      await storage.close();
    }
  });

  it('knows whether the server enforces a unique index across array elements', async () => {
    const { client, commands } = monitoredClient();
    const storage = await getMongoStorage({ uri: uri!, client, dbName });
    try {
      const s = scopeOf();
      await storage.append(s, 'p-1', [e('x', {}, randomUUID())], { expectedStreamVersion: 'no_stream' });
      // FerretDB v1 does not enforce it, so appends with ids look them up; MongoDB does.
      const looked = commands.includes('find commits');
      expect(looked).toBe(inject('mongoKind') === 'ferretdb');
    } finally {
      await storage.close();
      await client.close();
    }
  });
});

describe('mongodb adapter: durability settings', () => {
  it('asks for majority writes, journaled, and majority reads unless the connection string says otherwise', () => {
    expect(durabilityFor('mongodb://h/')).toEqual({ writeConcern: { w: 'majority', journal: true }, readConcern: { level: 'majority' } });
    expect(durabilityFor('mongodb://h/?w=1')).toEqual({ readConcern: { level: 'majority' } });
    expect(durabilityFor('mongodb://h/?replicaSet=rs&readConcernLevel=local&journal=false')).toEqual({});
  });
});

describe('mongodb adapter: unreachable server', () => {
  it('fails fast with UnavailableError, without driver text', async () => {
    const error = await getMongoStorage({ uri: 'mongodb://127.0.0.1:9/' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).not.toMatch(/ECONNREFUSED|MongoServerSelectionError/);
  });
});
