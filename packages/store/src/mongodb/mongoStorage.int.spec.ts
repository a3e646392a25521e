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
  it('appends to a known store with one insert and one head update, event ids included', async () => {
    const client = new MongoClient(uri!, { monitorCommands: true });
    const storage = await getMongoStorage({ uri: uri!, client, dbName: `eventlane_test_rt_${randomUUID().slice(0, 8)}` });
    try {
      const s = { org: 'org-rt', store: 'orders' };
      await storage.append(s, 'order-1', [{ type: 'placed', data: {} }]);
      const commands: string[] = [];
      client.on('commandStarted', (event) => commands.push(event.commandName));
      await storage.append(s, 'order-1', [{ type: 'paid', data: {}, eventId: randomUUID() }], { expectedStreamVersion: 1 });
      await storage.append(s, 'order-2', [{ type: 'placed', data: {} }], { expectedStreamVersion: 'no_stream' });
      expect(commands).toEqual(['insert', 'update', 'insert', 'update']);
    } finally {
      await storage.close();
      await client.close();
    }
  });
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
