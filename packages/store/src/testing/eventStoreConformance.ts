import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedEventSchema } from '@eventlane/contracts';
import type { NewEvent, Scope, Storage } from '../eventStore.js';
import { DuplicateEventIdError, StoreError, VersionConflictError } from '../errors.js';

export interface ConformanceOptions {
  /** Appends per writer in the global-order test (8 writers). */
  globalOrderAppendsPerWriter?: number;
}

let counter = 0;
/** A fresh organization/store pair per test, so tests share one storage without seeing each other. */
function freshScope(): Scope {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
  return { org: `org-${tag}`, store: `store-${tag}` };
}

const event = (type: string, data: Record<string, unknown> = {}, extra: Partial<NewEvent> = {}): NewEvent => ({
  type,
  data,
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/**
 * The behaviour every storage adapter must have. Run it from one spec file per adapter:
 *
 * @example
 * testEventStore('sqlite', () => getSQLiteStorage({ dataDir }));
 */
export function testEventStore(name: string, factory: () => Promise<Storage>, options: ConformanceOptions = {}): void {
  describe(`EventStore conformance: ${name}`, () => {
    let storage: Storage;
    beforeAll(async () => {
      storage = await factory();
    });
    afterAll(async () => {
      await storage?.close();
    });

    describe('expected versions', () => {
      it('starts a stream at position 0 and counts events as the version', async () => {
        const scope = freshScope();
        const first = await storage.append(scope, 'user-1', [event('user.created', { n: 1 })]);
        expect(first).toEqual({ nextExpectedStreamVersion: 1, eventsWritten: 1 });
        const second = await storage.append(scope, 'user-1', [event('a'), event('b')], { expectedStreamVersion: 1 });
        expect(second).toEqual({ nextExpectedStreamVersion: 3, eventsWritten: 2 });
        const read = await storage.readStream(scope, 'user-1', { limit: 100 });
        expect(read.events.map((e) => e.streamPosition)).toEqual([0, 1, 2]);
        expect(read.currentStreamVersion).toBe(3);
      });

      it('accepts 0 for a new stream and rejects a wrong number with the current version', async () => {
        const scope = freshScope();
        await storage.append(scope, 's-1', [event('x')], { expectedStreamVersion: 0 });
        const error = await rejection(storage.append(scope, 's-1', [event('y')], { expectedStreamVersion: 0 }));
        expect(error).toBeInstanceOf(VersionConflictError);
        expect(error).toMatchObject({ code: 'VERSION_CONFLICT', expected: 0, current: 1 });
        const ahead = await rejection(storage.append(scope, 's-1', [event('y')], { expectedStreamVersion: 5 }));
        expect(ahead).toMatchObject({ expected: 5, current: 1 });
        expect((await storage.readStream(scope, 's-1', { limit: 10 })).currentStreamVersion).toBe(1);
      });

      it('no_stream succeeds only on a missing stream', async () => {
        const scope = freshScope();
        await storage.append(scope, 'order_1', [event('placed')], { expectedStreamVersion: 'no_stream' });
        const error = await rejection(
          storage.append(scope, 'order_1', [event('placed')], { expectedStreamVersion: 'no_stream' }),
        );
        expect(error).toBeInstanceOf(VersionConflictError);
        expect(error).toMatchObject({ expected: 'no_stream', current: 1 });
      });

      it('stream_exists succeeds only on an existing stream', async () => {
        const scope = freshScope();
        const error = await rejection(
          storage.append(scope, 'cart:1', [event('added')], { expectedStreamVersion: 'stream_exists' }),
        );
        expect(error).toMatchObject({ code: 'VERSION_CONFLICT', expected: 'stream_exists', current: 0 });
        expect((await storage.readStream(scope, 'cart:1', { limit: 10 })).events).toEqual([]);
        await storage.append(scope, 'cart:1', [event('added')], { expectedStreamVersion: 'any' });
        const ok = await storage.append(scope, 'cart:1', [event('added')], { expectedStreamVersion: 'stream_exists' });
        expect(ok).toEqual({ nextExpectedStreamVersion: 2, eventsWritten: 1 });
      });

      it('any and an omitted expectation never check', async () => {
        const scope = freshScope();
        await storage.append(scope, 'x', [event('a')], { expectedStreamVersion: 'any' });
        await storage.append(scope, 'x', [event('b')]);
        const third = await storage.append(scope, 'x', [event('c')], {});
        expect(third.nextExpectedStreamVersion).toBe(3);
      });
    });

    describe('batches', () => {
      it('lands a batch at consecutive positions with one transaction id', async () => {
        const scope = freshScope();
        await storage.append(scope, 'b-1', [event('first')]);
        await storage.append(scope, 'b-1', [event('a'), event('b'), event('c')], { expectedStreamVersion: 1 });
        await storage.waitForGlobalOrder(scope);
        const { events } = await storage.readStream(scope, 'b-1', { limit: 10 });
        expect(events.map((e) => [e.type, e.streamPosition])).toEqual([
          ['first', 0],
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ]);
        const batch = events.slice(1);
        expect(new Set(batch.map((e) => e.transactionId)).size).toBe(1);
        expect(batch[0]!.transactionId).not.toBe(events[0]!.transactionId);
        const globals = batch.map((e) => e.globalPosition);
        expect(globals).toEqual([globals[0], globals[0]! + 1, globals[0]! + 2]);
      });

      it('writes nothing of a batch that fails', async () => {
        const scope = freshScope();
        const taken = randomUUID();
        await storage.append(scope, 'other-1', [event('x', {}, { eventId: taken })]);
        const error = await rejection(
          storage.append(scope, 'b-2', [event('a'), event('b', {}, { eventId: taken }), event('c')]),
        );
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect((await storage.readStream(scope, 'b-2', { limit: 10 })).currentStreamVersion).toBe(0);
        const conflict = await rejection(
          storage.append(scope, 'other-1', [event('a'), event('b')], { expectedStreamVersion: 0 }),
        );
        expect(conflict).toBeInstanceOf(VersionConflictError);
        expect((await storage.readStream(scope, 'other-1', { limit: 10 })).events).toHaveLength(1);
        await storage.waitForGlobalOrder(scope);
        expect((await storage.readStore(scope, { limit: 100 })).events).toHaveLength(1);
      });

      it('accepts a batch of 1000 events', async () => {
        const scope = freshScope();
        const events = Array.from({ length: 1000 }, (_, i) => event('bulk', { i }));
        const result = await storage.append(scope, 'bulk-1', events);
        expect(result).toEqual({ nextExpectedStreamVersion: 1000, eventsWritten: 1000 });
        const page = await storage.readStream(scope, 'bulk-1', { limit: 1000 });
        expect(page.events.map((e) => (e.data as { i: number }).i)).toEqual(events.map((_, i) => i));
      });
    });

    describe('idempotency by eventId', () => {
      it('answers a replay with eventsWritten 0 and the version right after those events', async () => {
        const scope = freshScope();
        const ids = [randomUUID(), randomUUID()];
        const events = ids.map((eventId, i) => event('e', { i }, { eventId }));
        expect(await storage.append(scope, 'idem-1', events, { expectedStreamVersion: 'no_stream' })).toEqual({
          nextExpectedStreamVersion: 2,
          eventsWritten: 2,
        });
        // The retry carries the now-stale expectation; it must still be answered as a replay.
        expect(await storage.append(scope, 'idem-1', events, { expectedStreamVersion: 'no_stream' })).toEqual({
          nextExpectedStreamVersion: 2,
          eventsWritten: 0,
        });
        await storage.append(scope, 'idem-1', [event('later')]);
        expect(await storage.append(scope, 'idem-1', events, { expectedStreamVersion: 0 })).toEqual({
          nextExpectedStreamVersion: 2,
          eventsWritten: 0,
        });
        expect(await storage.append(scope, 'idem-1', events)).toEqual({ nextExpectedStreamVersion: 2, eventsWritten: 0 });
        expect((await storage.readStream(scope, 'idem-1', { limit: 10 })).currentStreamVersion).toBe(3);
      });

      it('treats a replay of events that were written in two appends as a replay', async () => {
        const scope = freshScope();
        const [a, b] = [randomUUID(), randomUUID()];
        await storage.append(scope, 'idem-2', [event('a', {}, { eventId: a })]);
        await storage.append(scope, 'idem-2', [event('b', {}, { eventId: b })]);
        expect(await storage.append(scope, 'idem-2', [event('a', {}, { eventId: a }), event('b', {}, { eventId: b })])).toEqual({
          nextExpectedStreamVersion: 2,
          eventsWritten: 0,
        });
      });

      it('rejects some-but-not-all, reordered, and elsewhere-stored ids with the ids named', async () => {
        const scope = freshScope();
        const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
        await storage.append(scope, 'dup-1', [event('a', {}, { eventId: a }), event('b', {}, { eventId: b })]);

        const partial = await rejection(
          storage.append(scope, 'dup-1', [event('a', {}, { eventId: a }), event('c', {}, { eventId: c })]),
        );
        expect(partial).toBeInstanceOf(DuplicateEventIdError);
        expect((partial as DuplicateEventIdError).eventIds).toEqual([a]);

        const reordered = await rejection(
          storage.append(scope, 'dup-1', [event('b', {}, { eventId: b }), event('a', {}, { eventId: a })]),
        );
        expect(reordered).toBeInstanceOf(DuplicateEventIdError);

        const elsewhere = await rejection(storage.append(scope, 'dup-2', [event('a', {}, { eventId: a })]));
        expect(elsewhere).toBeInstanceOf(DuplicateEventIdError);
        expect((elsewhere as DuplicateEventIdError).eventIds).toEqual([a]);

        expect((await storage.readStream(scope, 'dup-1', { limit: 10 })).currentStreamVersion).toBe(2);
        expect((await storage.readStream(scope, 'dup-2', { limit: 10 })).currentStreamVersion).toBe(0);
        await storage.waitForGlobalOrder(scope);
        expect((await storage.readStore(scope, { limit: 10 })).events.map((e) => e.eventId)).toEqual([a, b]);
      });

      it('answers a mixed batch (some events without ids) whose ids are stored as a duplicate, not a replay', async () => {
        // Events without an id can't be recognised as stored, so such a request can never be proven a replay.
        const scope = freshScope();
        const a = randomUUID();
        await storage.append(scope, 'mixed-1', [event('a', {}, { eventId: a }), event('b')]);
        const error = await rejection(storage.append(scope, 'mixed-1', [event('a', {}, { eventId: a }), event('b')]));
        expect(error).toBeInstanceOf(DuplicateEventIdError);
        expect((error as DuplicateEventIdError).eventIds).toEqual([a]);
        expect((await storage.readStream(scope, 'mixed-1', { limit: 10 })).currentStreamVersion).toBe(2);
      });

      it('writes once when the same ids are appended concurrently', async () => {
        const scope = freshScope();
        const events = [event('e', {}, { eventId: randomUUID() }), event('e', {}, { eventId: randomUUID() })];
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => storage.append(scope, 'idem-3', events, { expectedStreamVersion: 'any' })),
        );
        for (const result of results) {
          // A loser either sees the replay or, while the winner is mid-commit, a conflict; never a second write.
          if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(StoreError);
        }
        expect(results.filter((r) => r.status === 'fulfilled' && r.value.eventsWritten === 2)).toHaveLength(1);
        expect((await storage.readStream(scope, 'idem-3', { limit: 10 })).currentStreamVersion).toBe(2);
      });

      it('keeps event ids per store: another store or organization may reuse them', async () => {
        const scope = freshScope();
        const id = randomUUID();
        await storage.append(scope, 's-1', [event('e', {}, { eventId: id })]);
        await storage.append({ ...scope, store: `${scope.store}-b` }, 's-1', [event('e', {}, { eventId: id })]);
        await storage.append({ ...scope, org: `${scope.org}-b` }, 's-1', [event('e', {}, { eventId: id })]);
      });
    });

    describe('stored events', () => {
      it('returns the stored-event shape', async () => {
        const scope = freshScope();
        const eventId = randomUUID();
        const before = Date.now();
        await storage.append(scope, 'user-42', [
          event('user.created', { userId: '42' }, { metadata: { correlationId: 'c-1' }, schemaVersion: '1.0.0', eventId }),
          event('user.renamed', { name: 'x' }),
        ]);
        const { events } = await storage.readStream(scope, 'user-42', { limit: 10 });
        for (const stored of events) expect(storedEventSchema.strict().parse(stored)).toEqual(stored);
        const [first, second] = events;
        expect(first).toMatchObject({
          eventId,
          streamId: 'user-42',
          streamType: 'user',
          streamPosition: 0,
          type: 'user.created',
          data: { userId: '42' },
          metadata: { correlationId: 'c-1' },
          schemaVersion: '1.0.0',
        });
        expect(second).toMatchObject({ streamPosition: 1, metadata: null, schemaVersion: null });
        expect(second!.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(first!.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(Date.parse(first!.createdAt)).toBeGreaterThanOrEqual(before - 1000);
        expect(Date.parse(first!.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);
      });

      it('round-trips any JSON keys and values unchanged and never interprets them', async () => {
        const scope = freshScope();
        const data = {
          $set: { admin: true },
          $where: 'sleep(1000)',
          $gt: '',
          'a.b': { 'c.d': 1 },
          '': 'empty key',
          '日本語': '🎉 ünïcödé',
          nested: { deep: [1, [2, [3, { x: null }]]], emptyObject: {}, emptyArray: [] },
          numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
          flags: [true, false],
          nothing: null,
          _id: 'not-an-object-id',
        };
        const metadata = { $inc: { n: 1 }, 'x.y': 'z' };
        await storage.append(scope, 'rt-1', [event('weird', data, { metadata }), event('plain', {}, { metadata: null })]);
        const { events } = await storage.readStream(scope, 'rt-1', { limit: 10 });
        expect(events[0]!.data).toEqual(data);
        expect(Object.keys(events[0]!.data)).toEqual(Object.keys(data));
        expect(events[0]!.metadata).toEqual(metadata);
        expect(events[1]!.data).toEqual({});
        expect(events[1]!.metadata).toBeNull();
      });
    });

    describe('organizations', () => {
      it('keeps stores of two organizations apart', async () => {
        const a = freshScope();
        const b = { org: `${a.org}-other`, store: a.store };
        await storage.append(a, 'user-1', [event('a.only')]);
        expect((await storage.readStream(b, 'user-1', { limit: 10 })).events).toEqual([]);
        expect((await storage.readStore(b, { limit: 10 })).events).toEqual([]);
        expect((await storage.listStreams(b, { limit: 10 })).streams).toEqual([]);
        expect(await storage.getStore(b)).toBeNull();
        expect((await storage.listStores(b.org, { limit: 10 })).eventStores).toEqual([]);
        await storage.append(b, 'user-1', [event('b.only')], { expectedStreamVersion: 'no_stream' });
        expect((await storage.readStream(a, 'user-1', { limit: 10 })).events.map((e) => e.type)).toEqual(['a.only']);
        expect(await storage.deleteStore(b)).toBe(true);
        expect((await storage.readStream(a, 'user-1', { limit: 10 })).currentStreamVersion).toBe(1);
      });
    });

    describe('streams', () => {
      it('derives stream types and lists streams by type and glob', async () => {
        const scope = freshScope();
        for (const id of ['user-123', 'order_456', 'product:789', 'a-b_c:d', 'plain', 'user-124'])
          await storage.append(scope, id, [event('e')]);
        await storage.append(scope, 'user-124', [event('e'), event('e')]);
        const all = await storage.listStreams(scope, { limit: 100, sortBy: 'streamId', includeCount: true });
        expect(all.streams.map((s) => [s.streamId, s.streamType, s.streamVersion])).toEqual([
          ['a-b_c:d', 'a', 1],
          ['order_456', 'order', 1],
          ['plain', 'plain', 1],
          ['product:789', 'product', 1],
          ['user-123', 'user', 1],
          ['user-124', 'user', 3],
        ]);
        expect(all.total).toBe(6);
        const users = await storage.listStreams(scope, { limit: 100, streamType: 'user', sortBy: 'streamId' });
        expect(users.streams.map((s) => s.streamId)).toEqual(['user-123', 'user-124']);
        const glob = await storage.listStreams(scope, { limit: 100, streamIdPattern: 'user-12?', sortBy: 'streamId', sortDirection: 'desc' });
        expect(glob.streams.map((s) => s.streamId)).toEqual(['user-124', 'user-123']);
        const literal = await storage.listStreams(scope, { limit: 100, streamIdPattern: 'a-b_c:*' });
        expect(literal.streams.map((s) => s.streamId)).toEqual(['a-b_c:d']);
        const page = await storage.listStreams(scope, { limit: 2, offset: 2, sortBy: 'streamId' });
        expect(page.streams.map((s) => s.streamId)).toEqual(['plain', 'product:789']);
        expect(page.hasMore).toBe(true);
        const updated = await storage.listStreams(scope, { limit: 1, sortBy: 'updatedAt', sortDirection: 'desc' });
        expect(updated.streams[0]!.streamId).toBe('user-124');
        const summary = all.streams[5]!;
        expect(Date.parse(summary.updatedAt)).toBeGreaterThanOrEqual(Date.parse(summary.createdAt));
      });

      it('reads a stream by positions, types, pages and direction', async () => {
        const scope = freshScope();
        await storage.append(scope, 'r-1', Array.from({ length: 10 }, (_, i) => event(i % 2 ? 'odd' : 'even', { i })));
        const range = await storage.readStream(scope, 'r-1', { limit: 100, fromPosition: 3, toPosition: 6 });
        expect(range.events.map((e) => e.streamPosition)).toEqual([3, 4, 5, 6]);
        expect(range.currentStreamVersion).toBe(10);
        const desc = await storage.readStream(scope, 'r-1', { limit: 3, sortDirection: 'desc', includeCount: true });
        expect(desc.events.map((e) => e.streamPosition)).toEqual([9, 8, 7]);
        expect(desc).toMatchObject({ total: 10, hasMore: true });
        const odd = await storage.readStream(scope, 'r-1', { limit: 2, offset: 1, types: ['odd'], includeCount: true });
        expect(odd.events.map((e) => e.streamPosition)).toEqual([3, 5]);
        expect(odd).toMatchObject({ total: 5, hasMore: true });
        const past = await storage.readStream(scope, 'r-1', { limit: 10, fromPosition: 50 });
        expect(past).toMatchObject({ events: [], hasMore: false, currentStreamVersion: 10 });
        const missing = await storage.readStream(scope, 'nope', { limit: 10, includeCount: true });
        expect(missing).toMatchObject({ events: [], total: 0, hasMore: false, currentStreamVersion: 0 });
      });

      it('reads a store in global order with filters', async () => {
        const scope = freshScope();
        await storage.append(scope, 'a-1', [event('x'), event('y')]);
        await storage.append(scope, 'b-1', [event('x')]);
        await storage.append(scope, 'a-1', [event('z')]);
        await storage.waitForGlobalOrder(scope);
        const all = await storage.readStore(scope, { limit: 100, includeCount: true });
        expect(all.events.map((e) => [e.streamId, e.type, e.globalPosition])).toEqual([
          ['a-1', 'x', 0],
          ['a-1', 'y', 1],
          ['b-1', 'x', 2],
          ['a-1', 'z', 3],
        ]);
        expect(all.total).toBe(4);
        expect(await storage.headGlobalPosition(scope)).toBe(3);
        expect(await storage.headGlobalPosition(freshScope())).toBe(-1);
        const from = await storage.readStore(scope, { limit: 100, fromPosition: 2 });
        expect(from.events.map((e) => e.globalPosition)).toEqual([2, 3]);
        const filtered = await storage.readStore(scope, { limit: 100, streamId: 'a-1', types: ['x', 'z'] });
        expect(filtered.events.map((e) => e.globalPosition)).toEqual([0, 3]);
        const desc = await storage.readStore(scope, { limit: 2, sortDirection: 'desc', toPosition: 2 });
        expect(desc.events.map((e) => e.globalPosition)).toEqual([2, 1]);
        expect(desc.hasMore).toBe(true);
      });
    });

    describe('stores', () => {
      it('creates, lists, describes and deletes stores', async () => {
        const scope = freshScope();
        const created = await storage.createStore(scope, { description: 'Orders of the shop' });
        expect(created).toMatchObject({ eventStoreName: scope.store, description: 'Orders of the shop' });
        const exists = await rejection(storage.createStore(scope));
        expect(exists).toMatchObject({ code: 'EVENT_STORE_EXISTS' });
        const empty = await storage.getStore(scope);
        expect(empty?.statistics).toEqual({ totalStreams: 0, totalEvents: 0, oldestEventTimestamp: null, newestEventTimestamp: null });
        await storage.append(scope, 'o-1', [event('a'), event('b')]);
        await storage.append(scope, 'o-2', [event('a')]);
        await storage.waitForGlobalOrder(scope);
        const details = await storage.getStore(scope);
        expect(details?.statistics).toMatchObject({ totalStreams: 2, totalEvents: 3 });
        expect(Date.parse(details!.statistics.newestEventTimestamp!)).toBeGreaterThanOrEqual(
          Date.parse(details!.statistics.oldestEventTimestamp!),
        );
        await storage.append({ ...scope, store: `${scope.store}-2` }, 'x', [event('a')]);
        const list = await storage.listStores(scope.org, { limit: 1 });
        expect(list).toMatchObject({ total: 2, hasMore: true });
        expect(list.eventStores.map((s) => s.eventStoreName)).toEqual([scope.store]);
        expect(Date.parse(list.eventStores[0]!.created)).not.toBeNaN();
        expect(await storage.countEventsByType(scope)).toEqual([
          { type: 'a', count: 2 },
          { type: 'b', count: 1 },
        ]);
        const perMinute = await storage.countEventsPerMinute(scope, new Date(Date.now() - 3_600_000));
        expect(perMinute.reduce((sum, b) => sum + b.count, 0)).toBe(3);
        expect(await storage.deleteStore(scope)).toBe(true);
        expect(await storage.deleteStore(scope)).toBe(false);
        expect(await storage.getStore(scope)).toBeNull();
        expect((await storage.readStream(scope, 'o-1', { limit: 10 })).events).toEqual([]);
        // A deleted store can be recreated by an append and starts over.
        expect(await storage.append(scope, 'o-1', [event('a')], { expectedStreamVersion: 'no_stream' })).toEqual({
          nextExpectedStreamVersion: 1,
          eventsWritten: 1,
        });
        await storage.waitForGlobalOrder(scope);
        expect((await storage.readStore(scope, { limit: 10 })).events[0]!.globalPosition).toBe(0);
      });
    });

    describe('concurrency', () => {
      it('lets exactly one of 20 concurrent appends with the same expected version win', async () => {
        const scope = freshScope();
        await storage.append(scope, 'hot-1', [event('seed')]);
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => storage.append(scope, 'hot-1', [event('race', { i })], { expectedStreamVersion: 1 })),
        );
        const winners = results.filter((r) => r.status === 'fulfilled');
        expect(winners).toHaveLength(1);
        for (const loser of results.filter((r) => r.status === 'rejected'))
          expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflictError);
        expect((await storage.readStream(scope, 'hot-1', { limit: 100 })).currentStreamVersion).toBe(2);
      });

      it('lands 20 concurrent any-appends at positions 0..19 with no gap', async () => {
        const scope = freshScope();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => storage.append(scope, 'hot-2', [event('race', { i })], { expectedStreamVersion: 'any' })),
        );
        expect(results.map((r) => r.nextExpectedStreamVersion).sort((x, y) => x - y)).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
        const { events } = await storage.readStream(scope, 'hot-2', { limit: 100 });
        expect(events.map((e) => e.streamPosition)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(new Set(events.map((e) => (e.data as { i: number }).i)).size).toBe(20);
      });

      it('never lets a catch-up reader skip or repeat an event while 8 writers commit', async () => {
        const scope = freshScope();
        const perWriter = options.globalOrderAppendsPerWriter ?? 200;
        const writers = 8;
        let writing = true;
        const seen: number[] = [];
        const seenIds = new Set<string>();
        const reader = (async () => {
          let next = 0;
          for (;;) {
            const done = !writing;
            const page = await storage.readStore(scope, { limit: 500, fromPosition: next });
            for (const e of page.events) {
              seen.push(e.globalPosition);
              seenIds.add(e.eventId);
              next = e.globalPosition + 1;
            }
            if (done && page.events.length === 0) return;
            if (page.events.length === 0) await new Promise((r) => setTimeout(r, 2));
          }
        })();
        const written: string[] = [];
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              const ids = Array.from({ length: 1 + (i % 3) }, () => randomUUID());
              const stream = `s-${Math.floor(Math.random() * 10)}`;
              await storage.append(scope, stream, ids.map((eventId) => event('tick', { w, i }, { eventId })));
              written.push(...ids);
            }
          }),
        );
        // Every append is acknowledged; once each has its global position the reader may stop.
        await storage.waitForGlobalOrder(scope, { timeoutMs: 60_000 });
        writing = false;
        await reader;
        expect(seen.length).toBe(written.length);
        expect(seenIds).toEqual(new Set(written));
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
      }, 120_000);
    });

    describe('organizations and keys', () => {
      it('creates organizations once and stores keys by hash', async () => {
        const { org } = freshScope();
        const created = await storage.createOrganization(org);
        expect(created.organizationId).toBe(org);
        expect(await rejection(storage.createOrganization(org))).toMatchObject({ code: 'ORGANIZATION_EXISTS' });
        expect(await storage.getOrganization(org)).toMatchObject({ organizationId: org });
        expect((await storage.listOrganizations()).map((o) => o.organizationId)).toContain(org);
        expect(
          await rejection(
            storage.insertApiKey({
              keyId: `key_${org}x`,
              organizationId: `${org}-missing`,
              name: null,
              prefix: 'el_abc',
              scopes: ['read'],
              createdAt: new Date().toISOString(),
              revokedAt: null,
              keyHash: 'h'.repeat(64),
            }),
          ),
        ).toMatchObject({ code: 'ORGANIZATION_NOT_FOUND' });
        const record = {
          keyId: `key_${org}`,
          organizationId: org,
          name: 'ci',
          prefix: 'el_abcdef',
          scopes: ['append' as const, 'read' as const],
          createdAt: new Date().toISOString(),
          revokedAt: null,
          keyHash: randomUUID().replace(/-/g, '').padEnd(64, '0'),
        };
        await storage.insertApiKey(record);
        expect(await storage.findApiKeyByHash(record.keyHash)).toEqual(record);
        expect(await storage.findApiKeyByHash('0'.repeat(64))).toBeNull();
        const { keyHash: _hash, ...info } = record;
        expect(await storage.listApiKeys(org)).toEqual([info]);
        expect(await storage.revokeApiKey(record.keyId, `${org}-other`)).toBeNull();
        const revoked = await storage.revokeApiKey(record.keyId, org);
        expect(revoked?.revokedAt).not.toBeNull();
        expect((await storage.findApiKeyByHash(record.keyHash))?.revokedAt).not.toBeNull();
        expect(await storage.revokeApiKey('key_missing')).toBeNull();
      });

      it('answers ping while storage is up', async () => {
        await expect(storage.ping()).resolves.toBeUndefined();
      });
    });
  });
}
