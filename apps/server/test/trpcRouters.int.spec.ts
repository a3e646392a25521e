import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRPCError } from '@trpc/server';
import {
  DEFAULT_LIMITS,
  apiKeyInfoSchema,
  eventStoreDetailsResponseSchema,
  eventsPageResponseSchema,
  streamResponseSchema,
  streamsPageResponseSchema,
  type StoredEvent,
} from '@eventlane/contracts';
import type { Storage } from '@eventlane/store';
import { appRouter, issueApiKey } from '../src/exports';
import { createServices, type Context } from '../src/context';
import { BACKENDS, backendAvailable, openTestStorage, request, startTestServer, type TestServer } from './harness';
import { trpcClient } from './trpc';

/** What a rejected call carries: the tRPC code and the REST error code behind it. */
async function rejection(promise: Promise<unknown>): Promise<{ code: string; error: unknown; message: string; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    const e = error as TRPCError;
    const body = (e.cause as { body?: { error?: unknown; details?: unknown } } | undefined)?.body;
    return { code: e.code, error: body?.error, message: e.message, details: body?.details };
  }
  throw new Error('expected a rejection');
}

async function take<T>(iterable: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= n) break;
  }
  return out;
}

/** Calls a subscription and reads its first `n` events; rejects with whatever the call or the stream threw. */
const first = async <T>(subscribe: Promise<AsyncIterable<T>>, n = 1) => take(await subscribe, n);

/** `tracked()` envelopes are `[id, data, symbol]` when called directly. */
const dataOf = (envelope: unknown) => (envelope as [string, StoredEvent])[1];
const idOf = (envelope: unknown) => (envelope as [string, StoredEvent])[0];

for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`tRPC appRouter on ${backend}`, () => {
    let storage: Storage;
    let cleanup: () => void;
    let services: ReturnType<typeof createServices>;
    const caller = (apiKey: string | null) => appRouter.createCaller({ ...services, apiKey } satisfies Context);
    let org: string;
    let admin: ReturnType<typeof caller>;

    const newKey = async (scopes: Array<'read' | 'append' | 'admin'>, organizationId = org) =>
      (await issueApiKey(storage, { organizationId, scopes })).key;

    beforeAll(async () => {
      ({ storage, cleanup } = await openTestStorage(backend));
      services = createServices(storage, { limits: DEFAULT_LIMITS, liveTailPollMs: 50 });
      org = `org-${randomUUID().slice(0, 8)}`;
      await storage.createOrganization(org);
      admin = caller(await newKey(['read', 'append', 'admin']));
      const scope = { org, store: 'shop' };
      // Appends through the services' storage, as the append route does, so tails wake at once.
      await services.deps.storage.append(scope, 'user-1', [{ type: 'user.created', data: { n: 1 } }, { type: 'user.renamed', data: {} }]);
      await services.deps.storage.append(scope, 'order-1', [{ type: 'order.placed', data: {} }]);
    });
    afterAll(async () => {
      await storage?.close();
      cleanup?.();
    });

    it('administers stores through the same handlers as REST', async () => {
      const created = await admin.eventStores.create({ name: 'billing', description: 'Invoices' });
      expect(created).toMatchObject({ eventStoreId: `${org}:billing`, eventStoreName: 'billing', description: 'Invoices' });
      expect(await rejection(admin.eventStores.create({ name: 'billing' }))).toMatchObject({ code: 'CONFLICT', error: 'EVENT_STORE_EXISTS' });
      const list = await admin.eventStores.list({ limit: 10 });
      expect(list.eventStores.map((s) => s.eventStoreName)).toEqual(['billing', 'shop']);
      expect(list.pagination).toEqual({ limit: 10, offset: 0, total: 2, hasMore: false });
      expect((await admin.eventStores.list()).pagination.limit).toBe(100);
      // Statistics count events once they have their global position (MongoDB: just after the append).
      await services.deps.storage.waitForGlobalOrder({ org, store: 'shop' });
      const details = eventStoreDetailsResponseSchema.parse(await admin.eventStores.get({ eventStoreName: 'shop' }));
      expect(details.statistics).toMatchObject({ totalStreams: 2, totalEvents: 3 });
      expect(await rejection(admin.eventStores.delete({ eventStoreName: 'billing' }))).toMatchObject({
        code: 'BAD_REQUEST',
        error: 'CONFIRMATION_REQUIRED',
        message: 'Please confirm this operation by setting confirm=true',
      });
      expect(await admin.eventStores.delete({ eventStoreName: 'billing', confirm: true })).toEqual({
        success: true,
        message: 'Event store deleted successfully',
      });
      expect(await rejection(admin.eventStores.get({ eventStoreName: 'billing' }))).toMatchObject({
        code: 'NOT_FOUND',
        error: 'EVENT_STORE_NOT_FOUND',
      });
    });

    it('reads streams and events', async () => {
      const whole = streamResponseSchema.parse(await admin.streams.read({ eventStoreName: 'shop', streamId: 'user-1' }));
      expect(whole.currentStreamVersion).toBe(2);
      const page = eventsPageResponseSchema.parse(
        await admin.streams.events({ eventStoreName: 'shop', streamId: 'user-1', fromPosition: 1, includeCount: true }),
      );
      expect(page.events.map((e) => e.type)).toEqual(['user.renamed']);
      expect(page.pagination).toEqual({ limit: 100, offset: 0, total: 1, hasMore: false });
      // Query-string spellings are accepted too, so a client can pass the REST parameters through.
      const global = await admin.events.list({ eventStoreName: 'shop', type: ['order.placed', 'user.created'], includeCount: 'true', limit: '5' });
      expect(global.events.map((e) => e.globalPosition)).toEqual([0, 2]);
      const streams = streamsPageResponseSchema.parse(await admin.streams.list({ eventStoreName: 'shop', streamIdPattern: 'user-*' }));
      expect(streams.streams.map((s) => s.streamId)).toEqual(['user-1']);
      const ofType = await admin.streams.list({ eventStoreName: 'shop', streamType: 'order' });
      expect(ofType.streams.map((s) => s.streamId)).toEqual(['order-1']);
    });

    it('answers bad input with BAD_REQUEST and the zod issue list', async () => {
      const bad = await rejection(admin.events.list({ eventStoreName: 'shop', limit: 0, sortDirection: 'up' as 'asc' }));
      expect(bad.code).toBe('BAD_REQUEST');
      expect(bad.error).toBe('Invalid request body');
      expect((bad.details as Array<{ path: unknown[] }>).map((d) => d.path)).toEqual(
        expect.arrayContaining([['limit'], ['sortDirection']]),
      );
      const glob = await rejection(admin.streams.list({ eventStoreName: 'shop', streamIdPattern: 'a[b' }));
      expect(glob).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await rejection(admin.events.list({ eventStoreName: 'nowhere' }))).toMatchObject({
        code: 'NOT_FOUND',
        error: 'EVENT_STORE_NOT_FOUND',
      });
    });

    it('checks the key and its scopes on every procedure', async () => {
      expect(await rejection(caller(null).eventStores.list())).toMatchObject({ code: 'UNAUTHORIZED', error: 'UNAUTHORIZED' });
      const reader = caller(await newKey(['read']));
      expect(await rejection(reader.eventStores.create({ name: 'nope' }))).toMatchObject({ code: 'FORBIDDEN', error: 'FORBIDDEN' });
      expect(await rejection(reader.apiKeys.list())).toMatchObject({ code: 'FORBIDDEN' });
      const appender = caller(await newKey(['append']));
      expect(await rejection(appender.events.list({ eventStoreName: 'shop' }))).toMatchObject({ code: 'FORBIDDEN' });
      expect(await rejection(first(appender.events.tail({ eventStoreName: 'shop' })))).toMatchObject({ code: 'FORBIDDEN' });
      // Another organization's admin sees none of this organization's stores.
      const otherOrg = `org-${randomUUID().slice(0, 8)}`;
      await storage.createOrganization(otherOrg);
      const stranger = caller(await newKey(['read', 'admin'], otherOrg));
      expect(await rejection(stranger.streams.read({ eventStoreName: 'shop', streamId: 'user-1' }))).toMatchObject({
        code: 'NOT_FOUND',
        error: 'EVENT_STORE_NOT_FOUND',
      });
      expect((await stranger.eventStores.list()).eventStores).toEqual([]);
    });

    it('gives chart numbers', async () => {
      expect(await admin.stats.eventCountsByType({ eventStoreName: 'shop' })).toEqual({
        counts: [
          { type: 'order.placed', count: 1 },
          { type: 'user.created', count: 1 },
          { type: 'user.renamed', count: 1 },
        ],
      });
      const perMinute = await admin.stats.eventsPerMinute({ eventStoreName: 'shop', windowMinutes: 5 });
      expect(perMinute.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(3);
      expect(perMinute.buckets[0]!.minute).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
    });

    it('lists, creates and revokes API keys of the caller organization only', async () => {
      const created = await admin.apiKeys.create({ name: 'ci', scopes: ['read'] });
      expect(created.key).toMatch(/^el_[A-Za-z0-9_-]{43}$/);
      apiKeyInfoSchema.parse(created.info);
      expect(created.info).toMatchObject({ organizationId: org, name: 'ci', scopes: ['read'], revokedAt: null });
      const listed = await admin.apiKeys.list();
      expect(listed.apiKeys.map((k) => k.keyId)).toContain(created.info.keyId);
      expect(JSON.stringify(listed)).not.toContain(created.key);
      expect((await caller(created.key).eventStores.list()).eventStores.length).toBeGreaterThan(0);
      const revoked = await admin.apiKeys.revoke({ keyId: created.info.keyId });
      expect(revoked.revokedAt).not.toBeNull();
      expect(await rejection(caller(created.key).eventStores.list())).toMatchObject({ code: 'UNAUTHORIZED' });
      const otherOrg = `org-${randomUUID().slice(0, 8)}`;
      await storage.createOrganization(otherOrg);
      const theirs = await issueApiKey(storage, { organizationId: otherOrg, scopes: ['read'] });
      expect(await rejection(admin.apiKeys.revoke({ keyId: theirs.info.keyId }))).toMatchObject({
        code: 'NOT_FOUND',
        error: 'API_KEY_NOT_FOUND',
      });
      expect(await rejection(admin.apiKeys.create({ scopes: [] }))).toMatchObject({ code: 'BAD_REQUEST' });
    });

    it("tails a store's global order from a position, then live", async () => {
      const scope = { org, store: 'tail' };
      await services.deps.storage.append(scope, 'a-1', [{ type: 'one', data: {} }, { type: 'two', data: {} }]);
      // MongoDB gives global positions just after the append: position 1 must exist to tail from it.
      await services.deps.storage.waitForGlobalOrder(scope);
      const tail = await admin.events.tail({ eventStoreName: 'tail', fromPosition: 1 });
      const received = take(tail, 3);
      await services.deps.storage.append(scope, 'b-1', [{ type: 'three', data: {} }]);
      await services.deps.storage.append(scope, 'a-1', [{ type: 'four', data: {} }]);
      const events = await received;
      expect(events.map((e) => [idOf(e), dataOf(e).type])).toEqual([
        ['1', 'two'],
        ['2', 'three'],
        ['3', 'four'],
      ]);
      // A reconnect with Last-Event-ID resumes right after it.
      const resumed = await first(admin.events.tail({ eventStoreName: 'tail', fromPosition: 0, lastEventId: '2' }));
      expect(dataOf(resumed[0]).type).toBe('four');
    });

    it("tails one stream's new events", async () => {
      const scope = { org, store: 'tail' };
      const tail = await admin.streams.tail({ eventStoreName: 'tail', streamId: 'a-1' });
      const received = take(tail, 2);
      // The tail starts from the stream's version when it first reads; let it get there.
      await new Promise((r) => setTimeout(r, 200));
      await services.deps.storage.append(scope, 'b-1', [{ type: 'elsewhere', data: {} }]);
      await services.deps.storage.append(scope, 'a-1', [{ type: 'five', data: {} }, { type: 'six', data: {} }]);
      const events = await received;
      expect(events.map((e) => [idOf(e), dataOf(e).type, dataOf(e).streamPosition])).toEqual([
        ['3', 'five', 3],
        ['4', 'six', 4],
      ]);
    });

    it('rejects a tail from a bad position or of an unknown store with a typed error', async () => {
      // The appends of the tests above must all have their positions, or head + 2 could become valid meanwhile.
      await storage.waitForGlobalOrder({ org, store: 'tail' });
      const head = await storage.headGlobalPosition({ org, store: 'tail' });
      expect(await rejection(first(admin.events.tail({ eventStoreName: 'tail', fromPosition: head + 2 })))).toMatchObject({
        code: 'BAD_REQUEST',
        error: 'POSITION_OUT_OF_RANGE',
      });
      expect(
        await rejection(first(admin.streams.tail({ eventStoreName: 'tail', streamId: 'a-1', fromPosition: 99 }))),
      ).toMatchObject({ code: 'BAD_REQUEST', error: 'POSITION_OUT_OF_RANGE' });
      expect(await rejection(admin.events.tail({ eventStoreName: 'tail', fromPosition: -1 }))).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await rejection(first(admin.events.tail({ eventStoreName: 'tail', lastEventId: 'x' })))).toMatchObject({
        code: 'BAD_REQUEST',
      });
      expect(await rejection(first(admin.events.tail({ eventStoreName: 'nowhere' })))).toMatchObject({
        code: 'NOT_FOUND',
        error: 'EVENT_STORE_NOT_FOUND',
      });
    });
  });

  describe.skipIf(!backendAvailable(backend))(`tRPC over HTTP and SSE on ${backend}`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('serves queries at /trpc and a live tail over SSE with the key in a header', async () => {
      const { key, org } = await server.newOrg();
      const client = trpcClient(server.url, key);
      const append = (stream: string, type: string) =>
        request(`${server.url}/api/event-stores/live/streams/${stream}`, { key, body: { events: [{ type, data: { at: Date.now() } }] } });
      expect((await append('s-1', 'before')).status).toBe(200);
      // Store statistics count events that have their global position (MongoDB: just after the append).
      await server.storage.waitForGlobalOrder({ org, store: 'live' });
      expect((await client.eventStores.get.query({ eventStoreName: 'live' })).statistics.totalEvents).toBe(1);

      const received: StoredEvent[] = [];
      let failure: unknown;
      const gotTwo = new Promise<void>((resolve) => {
        const subscription = client.events.tail.subscribe(
          { eventStoreName: 'live', fromPosition: 0 },
          {
            onData: ({ id, data }) => {
              expect(id).toBe(String(data.globalPosition));
              received.push(data);
              if (received.length === 2) {
                subscription.unsubscribe();
                resolve();
              }
            },
            onError: (error) => {
              failure = error;
              resolve();
            },
          },
        );
      });
      await new Promise((r) => setTimeout(r, 100));
      const appendedAt = Date.now();
      expect((await append('s-2', 'after')).status).toBe(200);
      await gotTwo;
      expect(failure).toBeUndefined();
      expect(received.map((e) => [e.globalPosition, e.type])).toEqual([
        [0, 'before'],
        [1, 'after'],
      ]);
      expect(Date.now() - appendedAt).toBeLessThan(2000);

      // Without a key the SSE request is refused like any other call.
      const anonymous = await fetch(`${server.url}/trpc/events.tail?input=${encodeURIComponent(JSON.stringify({ eventStoreName: 'live' }))}`, {
        headers: { accept: 'text/event-stream' },
      });
      const text = await anonymous.text();
      expect(text).toMatch(/UNAUTHORIZED/);
      expect(text).not.toMatch(/el_/);
    });

    it('stops promptly while a live tail is open', async () => {
      const own = await startTestServer(backend);
      const { key } = await own.newOrg();
      await request(`${own.url}/api/event-stores/quiet/streams/s-1`, { key, body: { events: [{ type: 'x', data: {} }] } });
      let connected!: () => void;
      const isConnected = new Promise<void>((resolve) => (connected = resolve));
      const subscription = trpcClient(own.url, key).events.tail.subscribe({ eventStoreName: 'quiet' }, { onStarted: () => connected() });
      await isConnected;
      const stopping = Date.now();
      await own.stop();
      subscription.unsubscribe();
      expect(Date.now() - stopping).toBeLessThan(3000);
    });

    it('maps errors over HTTP to tRPC codes with the REST error code in data', async () => {
      const { key } = await server.newOrg(['read']);
      const client = trpcClient(server.url, key);
      await expect(client.eventStores.get.query({ eventStoreName: 'nowhere' })).rejects.toMatchObject({
        data: { code: 'NOT_FOUND', httpStatus: 404, error: 'EVENT_STORE_NOT_FOUND' },
      });
      await expect(client.eventStores.create.mutate({ name: 'nope' })).rejects.toMatchObject({
        data: { code: 'FORBIDDEN', httpStatus: 403, error: 'FORBIDDEN' },
      });
      const bad = await client.events.list.query({ eventStoreName: 'nowhere', limit: 5000 }).catch((e: unknown) => e);
      expect(bad).toMatchObject({ data: { code: 'BAD_REQUEST', error: 'Invalid request body' } });
      expect(JSON.stringify(bad)).not.toMatch(/\n\s+at |node_modules/);
    });
  });
}
