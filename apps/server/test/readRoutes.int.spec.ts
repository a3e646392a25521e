import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codedErrorSchema,
  deleteEventStoreResponseSchema,
  eventStoreCreatedResponseSchema,
  eventStoreDetailsResponseSchema,
  eventStoresPageResponseSchema,
  eventsPageResponseSchema,
  forbiddenErrorSchema,
  invalidRequestErrorSchema,
  storedEventSchema,
  streamResponseSchema,
  streamsPageResponseSchema,
} from '@eventlane/contracts';
import { BACKENDS, backendAvailable, expectNoInternals, request, startTestServer, type TestServer } from './harness';

const NOT_FOUND = { error: 'EVENT_STORE_NOT_FOUND', message: 'Event store not found' };

for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`reading and administration over REST on ${backend}`, () => {
    let server: TestServer;
    let key: string;
    let org: string;
    const api = (path: string) => `${server.url}/api/event-stores${path}`;
    const get = async (path: string, k: string | null = key) => {
      const response = await request(api(path), { key: k });
      expectNoInternals(response.text);
      return response;
    };
    const append = async (store: string, stream: string, events: Array<{ type: string; data?: object }>, k = key) => {
      const response = await request(api(`/${store}/streams/${encodeURIComponent(stream)}`), {
        key: k,
        body: { events: events.map((e) => ({ data: {}, ...e })) },
      });
      expect(response.status).toBe(200);
      return response.body;
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      ({ key, org } = await server.newOrg());
      // `shop`: users and orders, appended in a known global order.
      await append('shop', 'user-1', [{ type: 'user.created', data: { n: 1 } }, { type: 'user.renamed' }]);
      await append('shop', 'order_1', [{ type: 'order.placed' }]);
      await append('shop', 'user-2', [{ type: 'user.created', data: { n: 2 } }]);
      await append('shop', 'user-1', [{ type: 'user.deleted' }]);
      await append('shop', 'product:9', [{ type: 'product.added' }]);
      // MongoDB gives global positions (and counts statistics) just after the answers.
      await server.storage.waitForGlobalOrder({ org, store: 'shop' });
    });
    afterAll(async () => {
      await server?.stop();
    });

    describe('event stores', () => {
      it('creates a store (201) and refuses to create it twice (409 EVENT_STORE_EXISTS)', async () => {
        const created = await request(api(''), { key, body: { name: 'billing', description: 'Invoices' } });
        expect(created.status).toBe(201);
        const body = eventStoreCreatedResponseSchema.strict().parse(created.body);
        expect(body).toMatchObject({ eventStoreId: `${org}:billing`, eventStoreName: 'billing', description: 'Invoices' });
        expect(new Date(body.created).toISOString()).toBe(body.created);

        const again = await request(api(''), { key, body: { name: 'billing' } });
        expect(again.status).toBe(409);
        expect(codedErrorSchema.parse(again.body).error).toBe('EVENT_STORE_EXISTS');
      });

      it('validates the body of a create', async () => {
        const bad = await request(api(''), { key, body: { name: 'No Caps!', extra: 1 } });
        expect(bad.status).toBe(400);
        const paths = invalidRequestErrorSchema.parse(bad.body).details.map((d) => d.path);
        expect(paths).toEqual(expect.arrayContaining([['name'], []]));
      });

      it('lists stores by name with the pagination wrapper', async () => {
        const page = await get('?limit=1&offset=0');
        expect(page.status).toBe(200);
        const body = eventStoresPageResponseSchema.strict().parse(page.body);
        expect(body.pagination).toEqual({ limit: 1, offset: 0, total: 2, hasMore: true });
        expect(body.eventStores.map((s) => s.eventStoreName)).toEqual(['billing']);
        const next = eventStoresPageResponseSchema.parse((await get('?limit=1&offset=1')).body);
        expect(next.eventStores[0]).toMatchObject({ eventStoreName: 'shop', description: null });
        expect(next.pagination.hasMore).toBe(false);
      });

      it('describes a store with statistics', async () => {
        const response = await get('/shop');
        expect(response.status).toBe(200);
        const body = eventStoreDetailsResponseSchema.strict().parse(response.body);
        expect(body).toMatchObject({ eventStoreId: `${org}:shop`, eventStoreName: 'shop' });
        expect(body.statistics).toMatchObject({ totalStreams: 4, totalEvents: 6 });
        expect(body.statistics.oldestEventTimestamp! <= body.statistics.newestEventTimestamp!).toBe(true);
        const empty = eventStoreDetailsResponseSchema.parse((await get('/billing')).body);
        expect(empty.statistics).toEqual({ totalStreams: 0, totalEvents: 0, oldestEventTimestamp: null, newestEventTimestamp: null });
      });

      it('deletes only with confirm=true', async () => {
        await append('scratch', 's-1', [{ type: 'x' }]);
        for (const query of ['', '?confirm=false', '?confirm=yes']) {
          const refused = await request(api(`/scratch${query}`), { method: 'DELETE', key });
          expect(refused.status).toBe(400);
          expect(refused.body).toEqual({
            error: 'CONFIRMATION_REQUIRED',
            message: 'Please confirm this operation by setting confirm=true',
          });
        }
        expect((await get('/scratch')).status).toBe(200);
        const deleted = await request(api('/scratch?confirm=true'), { method: 'DELETE', key });
        expect(deleted.status).toBe(200);
        expect(deleteEventStoreResponseSchema.parse(deleted.body)).toEqual({ success: true, message: 'Event store deleted successfully' });
        expect((await get('/scratch')).body).toEqual(NOT_FOUND);
        const twice = await request(api('/scratch?confirm=true'), { method: 'DELETE', key });
        expect([twice.status, twice.body]).toEqual([404, NOT_FOUND]);
      });
    });

    describe('streams', () => {
      it('reads a whole stream with its version', async () => {
        const response = await get('/shop/streams/user-1');
        expect(response.status).toBe(200);
        const body = streamResponseSchema.strict().parse(response.body);
        expect(body.currentStreamVersion).toBe(3);
        expect(body.events.map((e) => [e.streamPosition, e.type])).toEqual([
          [0, 'user.created'],
          [1, 'user.renamed'],
          [2, 'user.deleted'],
        ]);
        const first = storedEventSchema.strict().parse(body.events[0]);
        expect(first).toMatchObject({ streamId: 'user-1', streamType: 'user', data: { n: 1 }, metadata: null, schemaVersion: null });
        expect(first.globalPosition).toBe(0);
        expect(body.events[0]!.transactionId).toBe(body.events[1]!.transactionId);
        expect(body.events[2]!.transactionId).not.toBe(body.events[0]!.transactionId);
      });

      it('answers a missing stream with no events at version 0', async () => {
        const response = await get('/shop/streams/user-404');
        expect([response.status, response.body]).toEqual([200, { events: [], currentStreamVersion: 0 }]);
      });

      it('answers STREAM_TOO_LARGE for a whole-stream read over 1000 events, pointing to /events', async () => {
        const events = Array.from({ length: 1001 }, (_, i) => ({ type: 'tick', data: { i } }));
        await append('big', 'big-1', events.slice(0, 1000));
        expect(streamResponseSchema.parse((await get('/big/streams/big-1')).body).events).toHaveLength(1000);
        await append('big', 'big-1', events.slice(1000));
        const response = await get('/big/streams/big-1');
        expect(response.status).toBe(400);
        const body = codedErrorSchema.parse(response.body);
        expect(body.error).toBe('STREAM_TOO_LARGE');
        expect(body.message).toContain('/api/event-stores/big/streams/big-1/events');
        const page = eventsPageResponseSchema.parse((await get('/big/streams/big-1/events?fromPosition=1000')).body);
        expect(page.events.map((e) => e.data)).toEqual([{ i: 1000 }]);
      });

      it("pages a stream's events by stream position, type, direction and count", async () => {
        const all = eventsPageResponseSchema.strict().parse((await get('/shop/streams/user-1/events?includeCount=true')).body);
        expect(all.pagination).toEqual({ limit: 100, offset: 0, total: 3, hasMore: false });
        const window = eventsPageResponseSchema.parse((await get('/shop/streams/user-1/events?fromPosition=1&toPosition=2')).body);
        expect(window.events.map((e) => e.streamPosition)).toEqual([1, 2]);
        const desc = eventsPageResponseSchema.parse((await get('/shop/streams/user-1/events?sortDirection=desc&limit=2')).body);
        expect(desc.events.map((e) => e.streamPosition)).toEqual([2, 1]);
        expect(desc.pagination).toEqual({ limit: 2, offset: 0, hasMore: true });
        const offset = eventsPageResponseSchema.parse((await get('/shop/streams/user-1/events?limit=2&offset=2')).body);
        expect(offset.events.map((e) => e.streamPosition)).toEqual([2]);
        const types = eventsPageResponseSchema.parse(
          (await get('/shop/streams/user-1/events?type=user.created&type=user.deleted&includeCount=true')).body,
        );
        expect(types.events.map((e) => e.type)).toEqual(['user.created', 'user.deleted']);
        expect(types.pagination.total).toBe(2);
        const one = eventsPageResponseSchema.parse((await get('/shop/streams/user-1/events?type=user.renamed')).body);
        expect(one.events.map((e) => e.type)).toEqual(['user.renamed']);
        const past = eventsPageResponseSchema.parse((await get('/shop/streams/user-1/events?fromPosition=3')).body);
        expect(past).toEqual({ events: [], pagination: { limit: 100, offset: 0, hasMore: false } });
        const missing = eventsPageResponseSchema.parse((await get('/shop/streams/nobody/events')).body);
        expect(missing.events).toEqual([]);
      });

      it('lists streams with type, glob, sorting and paging', async () => {
        const all = streamsPageResponseSchema.strict().parse((await get('/shop/streams?includeCount=true')).body);
        expect(all.streams.map((s) => s.streamId)).toEqual(['order_1', 'product:9', 'user-1', 'user-2']);
        expect(all.pagination).toEqual({ limit: 100, offset: 0, total: 4, hasMore: false });
        expect(all.streams.find((s) => s.streamId === 'user-1')).toMatchObject({ streamType: 'user', streamVersion: 3 });
        const users = streamsPageResponseSchema.parse((await get('/shop/streams?streamType=user')).body);
        expect(users.streams.map((s) => s.streamId)).toEqual(['user-1', 'user-2']);
        const glob = streamsPageResponseSchema.parse((await get('/shop/streams?streamIdPattern=user-*&sortDirection=desc')).body);
        expect(glob.streams.map((s) => s.streamId)).toEqual(['user-2', 'user-1']);
        const single = streamsPageResponseSchema.parse((await get('/shop/streams?streamIdPattern=%3F%3F%3F%3F%3F_1')).body);
        expect(single.streams.map((s) => s.streamId)).toEqual(['order_1']);
        const byUpdate = streamsPageResponseSchema.parse((await get('/shop/streams?sortBy=updatedAt&sortDirection=desc&limit=2')).body);
        expect(byUpdate.streams.map((s) => s.streamId)).toEqual(['product:9', 'user-1']);
        expect(byUpdate.pagination.hasMore).toBe(true);
        const byCreation = streamsPageResponseSchema.parse((await get('/shop/streams?sortBy=createdAt')).body);
        expect(byCreation.streams.map((s) => s.streamId)).toEqual(['user-1', 'order_1', 'user-2', 'product:9']);
      });

      it('lists the streams of one type', async () => {
        const response = await get('/shop/stream-types/user/streams?includeCount=true');
        expect(response.status).toBe(200);
        const body = streamsPageResponseSchema.strict().parse(response.body);
        expect(body.streams.map((s) => s.streamId)).toEqual(['user-1', 'user-2']);
        expect(body.pagination.total).toBe(2);
        const glob = streamsPageResponseSchema.parse((await get('/shop/stream-types/user/streams?streamIdPattern=*2')).body);
        expect(glob.streams.map((s) => s.streamId)).toEqual(['user-2']);
        const none = streamsPageResponseSchema.parse((await get('/shop/stream-types/invoice/streams')).body);
        expect(none.streams).toEqual([]);
      });
    });

    describe("a store's events in global order", () => {
      it('pages by global position with filters', async () => {
        const all = eventsPageResponseSchema.strict().parse((await get('/shop/events?includeCount=true')).body);
        expect(all.events.map((e) => e.globalPosition)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(all.events.map((e) => e.streamId)).toEqual(['user-1', 'user-1', 'order_1', 'user-2', 'user-1', 'product:9']);
        expect(all.pagination).toEqual({ limit: 100, offset: 0, total: 6, hasMore: false });
        for (const event of all.events) storedEventSchema.strict().parse(event);
        const window = eventsPageResponseSchema.parse((await get('/shop/events?fromPosition=2&toPosition=4')).body);
        expect(window.events.map((e) => e.globalPosition)).toEqual([2, 3, 4]);
        const stream = eventsPageResponseSchema.parse((await get('/shop/events?streamId=user-1&sortDirection=desc')).body);
        expect(stream.events.map((e) => e.globalPosition)).toEqual([4, 1, 0]);
        const types = eventsPageResponseSchema.parse((await get('/shop/events?type=user.created&type=product.added')).body);
        expect(types.events.map((e) => e.globalPosition)).toEqual([0, 3, 5]);
        const paged = eventsPageResponseSchema.parse((await get('/shop/events?limit=2&offset=1')).body);
        expect(paged.events.map((e) => e.globalPosition)).toEqual([1, 2]);
        expect(paged.pagination).toEqual({ limit: 2, offset: 1, hasMore: true });
      });

      it('answers fromPosition past the end with an empty page', async () => {
        const response = await get('/shop/events?fromPosition=6&includeCount=true');
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ events: [], pagination: { limit: 100, offset: 0, total: 0, hasMore: false } });
        expect((await get('/shop/events?fromPosition=999999999')).body).toMatchObject({ events: [] });
      });
    });

    describe('bad input', () => {
      const cases: Array<[string, string, Array<Array<string | number>>]> = [
        ['limit 0', '/shop/events?limit=0', [['query', 'limit']]],
        ['negative limit', '/shop/events?limit=-5', [['query', 'limit']]],
        ['limit over 1000', '/shop/events?limit=1001', [['query', 'limit']]],
        ['limit not a number', '/shop/events?limit=ten', [['query', 'limit']]],
        ['fractional limit', '/shop/streams/user-1/events?limit=1.5', [['query', 'limit']]],
        ['negative offset', '/shop/streams?offset=-1', [['query', 'offset']]],
        ['negative fromPosition', '/shop/events?fromPosition=-1', [['query', 'fromPosition']]],
        // z.coerce alone read these as 0, 1000 and 1 (found by schemathesis).
        ['empty offset', '/shop/events?offset=', [['query', 'offset']]],
        ['empty toPosition', '/shop/streams/user-1/events?toPosition=', [['query', 'toPosition']]],
        ['exponent limit', '/shop/streams?limit=1e3', [['query', 'limit']]],
        ['padded fromPosition', '/shop/events?fromPosition=%201', [['query', 'fromPosition']]],
        ['sortDirection other than asc/desc', '/shop/events?sortDirection=up', [['query', 'sortDirection']]],
        ['sortDirection on streams', '/shop/streams?sortDirection=ASC', [['query', 'sortDirection']]],
        ['unknown sortBy', '/shop/streams?sortBy=version', [['query', 'sortBy']]],
        ['malformed glob', '/shop/streams?streamIdPattern=user-[0-9]', [['query', 'streamIdPattern']]],
        ['glob with a slash', '/shop/stream-types/user/streams?streamIdPattern=a/b', [['query', 'streamIdPattern']]],
        ['includeCount not a boolean', '/shop/events?includeCount=maybe', [['query', 'includeCount']]],
        ['unknown query parameter', '/shop/events?fromGlobalPosition=1', [['query']]],
        ['bad store name', '/Shop!/events', [['params', 'eventStoreName']]],
        ['bad stream id', '/shop/streams/a%20b/events', [['params', 'streamId']]],
        ['bad stream type', '/shop/stream-types/us-er/streams', [['params', 'streamType']]],
        ['bad list limit', '?limit=0', [['query', 'limit']]],
      ];
      it.each(cases)('%s → 400 with the zod issue list', async (_name, path, paths) => {
        const response = await get(path);
        expect(response.status).toBe(400);
        const body = invalidRequestErrorSchema.strict().parse(response.body);
        expect(body.error).toBe('Invalid request body');
        expect(body.details.map((d) => d.path.slice(0, paths[0]!.length))).toEqual(expect.arrayContaining(paths));
        for (const detail of body.details) expect(detail.code).toBeTruthy();
      });

      const unknownStoreRoutes = [
        '/nowhere',
        '/nowhere/streams/user-1',
        '/nowhere/streams/user-1/events',
        '/nowhere/events',
        '/nowhere/streams',
        '/nowhere/stream-types/user/streams',
      ];
      it.each(unknownStoreRoutes)('GET %s of an unknown store → 404 EVENT_STORE_NOT_FOUND', async (path) => {
        const response = await get(path);
        expect([response.status, response.body]).toEqual([404, NOT_FOUND]);
      });

      it("answers another organization's store exactly like a missing one", async () => {
        const other = await server.newOrg();
        await append('secret', 'user-1', [{ type: 'x' }], other.key);
        for (const path of unknownStoreRoutes) {
          const theirs = await get(path.replace('nowhere', 'secret'));
          const missing = await get(path);
          expect([theirs.status, theirs.body]).toEqual([missing.status, missing.body]);
          expect(theirs.headers.get('content-type')).toBe(missing.headers.get('content-type'));
          expect(theirs.headers.get('content-length')).toBe(missing.headers.get('content-length'));
        }
        const deleted = await request(api('/secret?confirm=true'), { method: 'DELETE', key });
        expect([deleted.status, deleted.body]).toEqual([404, NOT_FOUND]);
        // …and their store is untouched, while ours of the same name is independent.
        expect((await get('/secret', other.key)).status).toBe(200);
        expect((await request(api(''), { key, body: { name: 'secret' } })).status).toBe(201);
      });
    });

    describe('auth', () => {
      it('needs a key on every route (401) and the route scope (403)', async () => {
        const readOnly = (await server.newOrg(['read'])).key;
        const appendOnly = (await server.newOrg(['append'])).key;
        const routes: Array<[string, string, 'read' | 'admin', unknown?]> = [
          ['GET', '', 'read'],
          ['GET', '/shop', 'read'],
          ['GET', '/shop/streams/user-1', 'read'],
          ['GET', '/shop/streams/user-1/events', 'read'],
          ['GET', '/shop/events', 'read'],
          ['GET', '/shop/streams', 'read'],
          ['GET', '/shop/stream-types/user/streams', 'read'],
          ['POST', '', 'admin', { name: 'forbidden' }],
          ['DELETE', '/shop?confirm=true', 'admin'],
        ];
        for (const [method, path, scope, body] of routes) {
          const anonymous = await request(api(path), { method, body });
          expect(anonymous.status, `${method} ${path}`).toBe(401);
          expect(anonymous.body).toEqual({
            error: 'UNAUTHORIZED',
            message: 'Unauthorized: Organization ID not found in authentication context',
          });
          const lacking = await request(api(path), { method, body, key: scope === 'read' ? appendOnly : readOnly });
          expect(lacking.status, `${method} ${path}`).toBe(403);
          expect(forbiddenErrorSchema.parse(lacking.body).error).toBe('FORBIDDEN');
        }
        // The admin-only routes did nothing.
        expect((await get('/shop')).status).toBe(200);
      });
    });
  });
}
