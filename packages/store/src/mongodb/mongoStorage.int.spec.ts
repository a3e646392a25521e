import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Storage } from '../eventStore';
import { UnavailableError, VersionConflictError } from '../errors';
import { MongoClient } from 'mongodb';
import { getMongoStorage } from './index';

const uri = inject('mongoUri');

describe.skipIf(!uri)('mongodb adapter: several instances on one database', () => {
  const dbName = `eventlane_test_instances_${randomUUID().slice(0, 8)}`;
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
  const scope = () => ({ org: `org-${randomUUID().slice(0, 8)}`, store: 'shared' });

  it('lands concurrent any-appends from two instances at positions 0..N-1 in one global order', async () => {
    const s = scope();
    await Promise.all(
      [a, b].map(async (storage, w) => {
        for (let i = 0; i < 15; i++) await storage.append(s, 'hot', [{ type: 'e', data: { w, i } }, { type: 'e', data: { w, i } }]);
      }),
    );
    const { events, currentStreamVersion } = await b.readStream(s, 'hot', { limit: 100 });
    expect(currentStreamVersion).toBe(60);
    expect(events.map((e) => e.streamPosition)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const all = await a.readStore(s, { limit: 100 });
    expect(all.events.map((e) => e.globalPosition)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('lets one instance win a numeric expectation and answers the other with the current version', async () => {
    const s = scope();
    await a.append(s, 'x', [{ type: 'seed', data: {} }]);
    await b.append(s, 'x', [{ type: 'b', data: {} }], { expectedStreamVersion: 1 });
    // `a` still believes the stream is at 1: its insert collides, it catches up, then conflicts.
    const error = await a.append(s, 'x', [{ type: 'a', data: {} }], { expectedStreamVersion: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VersionConflictError);
    expect(error).toMatchObject({ expected: 1, current: 2 });
  });

  it('answers a retry on the other instance as a replay', async () => {
    const s = scope();
    await b.append(s, 'y', [{ type: 'warm', data: {} }]);
    const events = [randomUUID(), randomUUID()].map((eventId) => ({ type: 'e', data: {}, eventId }));
    expect(await a.append(s, 'y', events)).toEqual({ nextExpectedStreamVersion: 3, eventsWritten: 2 });
    // `b` has not seen a's commit; the ids are found once its insert collides and it catches up.
    expect(await b.append(s, 'y', events, { expectedStreamVersion: 1 })).toEqual({ nextExpectedStreamVersion: 3, eventsWritten: 0 });
    expect((await b.readStream(s, 'y', { limit: 10 })).currentStreamVersion).toBe(3);
  });
});

describe.skipIf(!uri)('mongodb adapter: round trips', () => {
  it('appends to a known store with one commit insert and one head write, event ids included', async () => {
    const client = new MongoClient(uri!, { monitorCommands: true });
    const storage = await getMongoStorage({ uri: uri!, client, dbName: `eventlane_test_rt_${randomUUID().slice(0, 8)}` });
    try {
      const s = { org: 'org-rt', store: 'orders' };
      await storage.append(s, 'order-1', [{ type: 'placed', data: {} }]);
      const commands: string[] = [];
      client.on('commandStarted', (event) => commands.push(event.commandName));
      await storage.append(s, 'order-1', [{ type: 'paid', data: {}, eventId: randomUUID() }], { expectedStreamVersion: 1 });
      await storage.append(s, 'order-2', [{ type: 'placed', data: {} }], { expectedStreamVersion: 'no_stream' });
      // A known stream's head is moved by an update; a new stream's head is inserted.
      expect(commands).toEqual(['insert', 'update', 'insert', 'insert']);
    } finally {
      await storage.close();
      await client.close();
    }
  });
});

describe.skipIf(!uri)('mongodb adapter: group insert', () => {
  it('inserts the commits of appends queued behind an insert in one command and answers each', async () => {
    const client = new MongoClient(uri!, { monitorCommands: true });
    const storage = await getMongoStorage({ uri: uri!, client, dbName: `eventlane_test_group_${randomUUID().slice(0, 8)}` });
    try {
      const s = { org: 'org-group', store: 'orders' };
      await storage.append(s, 'order-0', [{ type: 'placed', data: {} }]);
      const inserts: number[] = [];
      client.on('commandStarted', (event) => {
        if (event.commandName === 'insert' && event.command.insert === 'commits') inserts.push((event.command.documents as unknown[]).length);
      });
      const ids = Array.from({ length: 16 }, () => randomUUID());
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          storage.append(s, `order-${i % 4}`, [{ type: 'e', data: { i }, eventId: ids[i] }], { expectedStreamVersion: 'any' }),
        ),
      );
      // Appends made in one tick all wait for the store's turn and share one insert.
      expect(inserts).toEqual([16]);
      expect(results.every((r) => r.eventsWritten === 1)).toBe(true);
      const all = await storage.readStore(s, { limit: 100 });
      expect(all.events.map((e) => e.globalPosition)).toEqual(Array.from({ length: 17 }, (_, i) => i));
      expect(all.events.slice(1).map((e) => e.eventId)).toEqual(ids);
      const streams = await storage.listStreams(s, { limit: 10, sortBy: 'streamId' });
      expect(streams.streams.map((x) => [x.streamId, x.streamVersion])).toEqual([
        ['order-0', 5],
        ['order-1', 4],
        ['order-2', 4],
        ['order-3', 4],
      ]);
      // Each append in a group sees the ones before it: one winner per expectation, replays answered.
      const raced = await Promise.allSettled([
        ...Array.from({ length: 8 }, () => storage.append(s, 'order-1', [{ type: 'x', data: {} }], { expectedStreamVersion: 4 })),
        storage.append(s, 'order-2', [{ type: 'e', data: {}, eventId: ids[2]! }], { expectedStreamVersion: 'any' }),
        storage.append(s, 'order-9', [{ type: 'e', data: {}, eventId: ids[3]! }]),
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

  it('looks up the event ids of a whole group in one query when the store is not kept in memory', async () => {
    const client = new MongoClient(uri!, { monitorCommands: true });
    const dbName = `eventlane_test_idlookup_${randomUUID().slice(0, 8)}`;
    const storage = await getMongoStorage({ uri: uri!, client, dbName, maxSnapshotEvents: 0 });
    try {
      const s = { org: 'org-lookup', store: 'orders' };
      const replayed = randomUUID();
      await storage.append(s, 'order-0', [{ type: 'placed', data: {}, eventId: replayed }]);
      const lookups: unknown[] = [];
      client.on('commandStarted', (event) => {
        if (event.commandName === 'find' && event.command.find === 'commits' && JSON.stringify(event.command.filter).includes('events.eventId')) {
          lookups.push(event.command.filter);
        }
      });
      const results = await Promise.all([
        storage.append(s, 'order-0', [{ type: 'placed', data: {}, eventId: replayed }]),
        ...Array.from({ length: 7 }, (_, i) => storage.append(s, `order-${i + 1}`, [{ type: 'e', data: {}, eventId: randomUUID() }])),
      ]);
      // One query for the 8 appends' ids; the stored one still answers as a replay.
      expect(lookups).toHaveLength(1);
      expect(results.map((r) => r.eventsWritten)).toEqual([0, 1, 1, 1, 1, 1, 1, 1]);
    } finally {
      await storage.close();
      await client.close();
    }
  });

  it('commits the appends before a collision in the middle of a group and decides the rest again', async () => {
    const client = new MongoClient(uri!, { monitorCommands: true });
    // Lookup mode: stream versions come from the commits, so the planted one below is seen on retry.
    const dbName = `eventlane_test_midgroup_${randomUUID().slice(0, 8)}`;
    const storage = await getMongoStorage({ uri: uri!, client, dbName, maxSnapshotEvents: 0 });
    try {
      const s = { org: 'org-mid', store: 'orders' };
      await storage.append(s, 'warm', [{ type: 'e', data: {} }]);
      // The instance learns that s-x is empty (a refused append reads its version)...
      await expect(storage.append(s, 's-x', [{ type: 'e', data: {} }], { expectedStreamVersion: 'stream_exists' })).rejects.toBeInstanceOf(
        VersionConflictError,
      );
      // ...then another writer's commit at s-x position 0 that this instance has not seen (planted raw).
      await client.db(dbName).collection('commits').insertOne({
        _id: 'planted' as never, org: s.org, store: s.store, streamId: 's-x', streamType: 's', fromVersion: 0, toVersion: 0,
        globalFrom: 1_000_000, globalTo: 1_000_000, count: 1, transactionId: randomUUID(), createdAt: new Date(),
        events: [{ eventId: randomUUID(), type: 'planted', data: '{}', metadata: null, schemaVersion: null }],
      });
      const inserts: number[] = [];
      client.on('commandStarted', (event) => {
        if (event.commandName === 'insert' && event.command.insert === 'commits') inserts.push((event.command.documents as unknown[]).length);
      });
      const results = await Promise.all([
        storage.append(s, 's-a', [{ type: 'e', data: {} }]),
        storage.append(s, 's-b', [{ type: 'e', data: {} }]),
        storage.append(s, 's-x', [{ type: 'e', data: {} }]),
        storage.append(s, 's-c', [{ type: 'e', data: {} }]),
      ]);
      // 4 in one ordered insert: s-x collides on the stream chain, s-a and s-b are in; s-x and s-c go again.
      expect(inserts).toEqual([4, 2]);
      expect(results.map((r) => r.nextExpectedStreamVersion)).toEqual([1, 1, 2, 1]);
      const x = await storage.readStream(s, 's-x', { limit: 10 });
      expect(x.events.map((e) => [e.type, e.streamPosition])).toEqual([
        ['planted', 0],
        ['e', 1],
      ]);
      const chain = await storage.readStore(s, { limit: 10 });
      expect(chain.events.map((e) => [e.streamId, e.globalPosition])).toEqual([
        ['warm', 0],
        ['s-a', 1],
        ['s-b', 2],
        ['s-x', 3],
        ['s-c', 4],
      ]);
    } finally {
      await storage.close();
      await client.close();
    }
  });

  it('leaves no stream head behind when a store is deleted while its heads are being written', async () => {
    const storage = await getMongoStorage({ uri: uri!, dbName: `eventlane_test_delete_${randomUUID().slice(0, 8)}` });
    try {
      const s = { org: 'org-del', store: 'orders' };
      await storage.append(s, 'warm', [{ type: 'e', data: {} }]);
      // The delete takes the store's turn right after the group's insert, while its heads are
      // written; it waits for them (on FerretDB here the heads usually won anyway).
      const appends = Promise.allSettled(Array.from({ length: 8 }, (_, i) => storage.append(s, `s-${i}`, [{ type: 'e', data: {} }])));
      const deleted = storage.deleteStore(s);
      await appends;
      expect(await deleted).toBe(true);
      expect((await storage.readStore(s, { limit: 100 })).events).toEqual([]);
      expect((await storage.listStreams(s, { limit: 100 })).streams).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it('keeps both chains whole when two instances insert groups into one store at once', async () => {
    const dbName = `eventlane_test_groups_${randomUUID().slice(0, 8)}`;
    const a = await getMongoStorage({ uri: uri!, dbName });
    const b = await getMongoStorage({ uri: uri!, dbName });
    try {
      const s = { org: 'org-groups', store: 'shared' };
      const outcomes = await Promise.all(
        [a, b].flatMap((storage, w) =>
          Array.from({ length: 12 }, async (_, loop) => {
            const results: Array<{ stream: string; expected: number; ok: boolean }> = [];
            for (let i = 0; i < 5; i++) {
              const stream = `s-${(loop + i) % 3}`;
              // Half the appends expect the version this loop last saw: some win, some conflict.
              const version = (await storage.readStream(s, stream, { limit: 1 })).currentStreamVersion;
              const expected = (loop + i) % 2 === 0 ? version : undefined;
              try {
                await storage.append(s, stream, [{ type: 'e', data: { w, loop, i } }, { type: 'e', data: { w, loop, i } }], {
                  expectedStreamVersion: expected ?? 'any',
                });
                results.push({ stream, expected: expected ?? -1, ok: true });
              } catch (error) {
                expect(error).toBeInstanceOf(VersionConflictError);
                results.push({ stream, expected: expected ?? -1, ok: false });
              }
            }
            return results;
          }),
        ),
      );
      const written = outcomes.flat().filter((o) => o.ok).length * 2;
      const all = await b.readStore(s, { limit: 1000 });
      expect(all.events.map((e) => e.globalPosition)).toEqual(Array.from({ length: written }, (_, i) => i));
      for (const stream of ['s-0', 's-1', 's-2']) {
        const { events, currentStreamVersion } = await a.readStream(s, stream, { limit: 1000 });
        expect(events.map((e) => e.streamPosition)).toEqual(Array.from({ length: currentStreamVersion }, (_, i) => i));
        // A batch is never split: both events of an append are adjacent in the stream.
        for (let i = 0; i < events.length; i += 2) expect(events[i]!.transactionId).toBe(events[i + 1]!.transactionId);
      }
      // Two winners for one expected version would have made some expected version repeat.
      const wins = outcomes.flat().filter((o) => o.ok && o.expected >= 0).map((o) => `${o.stream}@${o.expected}`);
      expect(new Set(wins).size).toBe(wins.length);
    } finally {
      await a.close();
      await b.close();
    }
  }, 120_000);
});

describe('mongodb adapter: unreachable server', () => {
  it('fails fast with UnavailableError, without driver text', async () => {
    const started = Date.now();
    const error = await getMongoStorage({ uri: 'mongodb://127.0.0.1:9/' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).not.toMatch(/ECONNREFUSED|MongoServerSelectionError/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
