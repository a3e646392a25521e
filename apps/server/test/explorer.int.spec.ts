import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidRequestErrorSchema, searchStoreEventsResponseSchema, systemInfoSchema } from '@eventlane/contracts';
import { BACKENDS, backendAvailable, expectNoInternals, request, startTestServer, type TestServer } from './harness';
import { trpcClient } from './trpc';

/** The explorer's search (REST and tRPC) and the health page's system info, on each backend. */
for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`event search and system info on ${backend}`, () => {
    let server: TestServer;
    let key: string;
    const search = async (query: string) => {
      const response = await request(`${server.url}/api/event-stores/shop/events/search${query}`, { key });
      expectNoInternals(response.text);
      return response;
    };
    const positions = async (query: string) => {
      const response = await search(query);
      expect(response.status, response.text).toBe(200);
      return searchStoreEventsResponseSchema.parse(response.body).events.map((event) => event.globalPosition);
    };
    const append = async (stream: string, events: Array<{ type: string; metadata?: object }>) => {
      const response = await request(`${server.url}/api/event-stores/shop/streams/${stream}`, {
        key,
        body: { events: events.map((event) => ({ data: {}, ...event })) },
      });
      expect(response.status, response.text).toBe(200);
    };

    beforeAll(async () => {
      server = await startTestServer(backend);
      ({ key } = await server.newOrg());
      // Global positions: 0 user-1 created, 1 user-1 renamed (one append), 2 order-1, 3 user-22, 4 order-2, 5 invoice.x
      await append('user-1', [{ type: 'user.created', metadata: { correlationId: 'c-1' } }, { type: 'user.renamed', metadata: { correlationId: 'c-1' } }]);
      await append('order-1', [{ type: 'order.placed', metadata: { correlationId: 'c-2', tenant: 7 } }]);
      await append('user-22', [{ type: 'user.created' }]);
      await append('order-2', [{ type: 'order.placed', metadata: { correlationId: 'c-1' } }]);
      await append('invoice_x', [{ type: 'invoice.sent' }]);
      // On MongoDB the store's sequencer gives global positions shortly after the appends are
      // acknowledged; the search reads the global order, so wait until all six are in it.
      for (let tries = 0; tries < 300; tries++) {
        const page = await request(`${server.url}/api/event-stores/shop/events?limit=10`, { key });
        if ((page.body as { events?: unknown[] } | undefined)?.events?.length === 6) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('filters by type (several), stream type, stream-id glob, metadata field and transaction', async () => {
      expect(await positions('')).toEqual([5, 4, 3, 2, 1, 0]);
      expect(await positions('?sortDirection=asc')).toEqual([0, 1, 2, 3, 4, 5]);
      expect(await positions('?type=user.created&type=invoice.sent')).toEqual([5, 3, 0]);
      expect(await positions('?streamType=order')).toEqual([4, 2]);
      expect(await positions('?streamIdPattern=user-?')).toEqual([1, 0]);
      expect(await positions('?streamIdPattern=user-*&type=user.created')).toEqual([3, 0]);
      expect(await positions('?streamIdPattern=order-2')).toEqual([4]);
      expect(await positions('?metadataKey=correlationId&metadataValue=c-1')).toEqual([4, 1, 0]);
      // A non-string metadata value compares as its JSON text.
      expect(await positions('?metadataKey=tenant&metadataValue=7')).toEqual([2]);
      // A field alone: events that have it; a value alone: in any top-level field.
      expect(await positions('?metadataKey=tenant')).toEqual([2]);
      expect(await positions('?metadataValue=c-2')).toEqual([2]);
      expect(await positions('?metadataKey=__proto__')).toEqual([]);
      const all = searchStoreEventsResponseSchema.parse((await search('?sortDirection=asc')).body).events;
      expect(await positions(`?transactionId=${all[0]!.transactionId}`)).toEqual([1, 0]);
    });

    it('filters by a time range (from inclusive, to exclusive)', async () => {
      const all = searchStoreEventsResponseSchema.parse((await search('?sortDirection=asc')).body).events;
      const third = all[2]!.createdAt;
      const inRange = all.filter((event) => event.createdAt >= third).map((event) => event.globalPosition).reverse();
      expect(await positions(`?createdFrom=${encodeURIComponent(third)}`)).toEqual(inRange);
      const before = all.filter((event) => event.createdAt < third).map((event) => event.globalPosition).reverse();
      expect(await positions(`?createdTo=${encodeURIComponent(third)}`)).toEqual(before);
      expect(await positions('?createdFrom=2999-01-01T00:00:00Z')).toEqual([]);
      // A reversed range is valid and matches nothing.
      expect(await positions('?createdFrom=2026-02-01T00:00:00Z&createdTo=2026-01-01T00:00:00Z')).toEqual([]);
    });

    it('is bounded: at most scanLimit events examined, and nextPosition goes on from there', async () => {
      const first = searchStoreEventsResponseSchema.parse((await search('?streamType=order&scanLimit=2')).body);
      // Newest first from the head (5): 5 and 4 examined, 4 matched; go on at 3.
      expect(first.events.map((event) => event.globalPosition)).toEqual([4]);
      expect(first.scan).toEqual({ examined: 2, nextPosition: 3, headPosition: 5 });
      const second = searchStoreEventsResponseSchema.parse((await search('?streamType=order&scanLimit=2&position=3')).body);
      expect(second.events.map((event) => event.globalPosition)).toEqual([2]);
      expect(second.scan.nextPosition).toBe(1);
      const last = searchStoreEventsResponseSchema.parse((await search('?streamType=order&position=1')).body);
      expect(last).toMatchObject({ events: [], scan: { examined: 2, nextPosition: null } });
      // limit stops the scan at the last match, so the next page starts right after it.
      const limited = searchStoreEventsResponseSchema.parse((await search('?sortDirection=asc&limit=2')).body);
      expect(limited.scan).toEqual({ examined: 2, nextPosition: 2, headPosition: 5 });
      expect(await positions('?sortDirection=asc&position=2&limit=2')).toEqual([2, 3]);
      // Newest first from a position: jump to a global position.
      expect(await positions('?position=2')).toEqual([2, 1, 0]);
      expect(await positions('?position=99&limit=1')).toEqual([5]);
    });

    it('answers bad query parameters with 400 and the zod issue list', async () => {
      for (const [query, field] of [
        ['?createdFrom=yesterday', 'createdFrom'],
        ['?metadataKey=correlation%20id&metadataValue=x', 'metadataKey'],
        ['?streamIdPattern=a[b]', 'streamIdPattern'],
        ['?scanLimit=0', 'scanLimit'],
        ['?sortDirection=sideways', 'sortDirection'],
        ['?position=-1', 'position'],
        ['?colour=red', ''],
      ] as const) {
        const response = await search(query);
        expect(response.status, query).toBe(400);
        const body = invalidRequestErrorSchema.parse(response.body);
        if (field) expect(body.details.map((issue) => issue.path.join('.')), query).toContain(`query.${field}`);
      }
      expect((await request(`${server.url}/api/event-stores/nope-store/events/search`, { key })).status).toBe(404);
    });

    it('offers the same search over tRPC, typed', async () => {
      const trpc = trpcClient(server.url, key);
      const result = await trpc.events.search.query({ eventStoreName: 'shop', type: ['order.placed'], sortDirection: 'asc' });
      expect(result.events.map((event) => event.streamId)).toEqual(['order-1', 'order-2']);
      await expect(trpc.events.search.query({ eventStoreName: 'shop', metadataKey: 'not a key' })).rejects.toMatchObject({
        data: { httpStatus: 400 },
      });
    });

    it('tells the version, storage, readiness, uptime and metrics figures (REST and tRPC)', async () => {
      const response = await request(`${server.url}/api/system`, { key });
      expect(response.status, response.text).toBe(200);
      const info = systemInfoSchema.parse(response.body);
      expect(info).toMatchObject({ storage: backend, ready: true, version: '0.1.0' });
      expect(info.metrics.appends.written).toBeGreaterThanOrEqual(5);
      expect(info.metrics.eventsWritten).toBeGreaterThanOrEqual(6);
      expect(info.metrics.appendLatencyMs.count).toBeGreaterThanOrEqual(5);
      expect(info.metrics.appendLatencyMs.p99).not.toBeNull();
      // A 409 is counted.
      await request(`${server.url}/api/event-stores/shop/streams/user-1`, { key, body: { events: [{ type: 'x', data: {} }], options: { expectedStreamVersion: 0 } } });
      const after = await trpcClient(server.url, key).system.info.query();
      expect(after.metrics.responses.status409).toBeGreaterThanOrEqual(1);
      expect(after.metrics.appends.version_conflict).toBeGreaterThanOrEqual(1);
      expect((await request(`${server.url}/api/system`)).status).toBe(401);
    });

    it('documents both routes in the OpenAPI document', async () => {
      const document = (await request(`${server.url}/openapi.json`)).body as { paths: Record<string, Record<string, { operationId?: string }>> };
      expect(document.paths['/api/event-stores/{eventStoreName}/events/search']?.get?.operationId).toBe('searchStoreEvents');
      expect(document.paths['/api/system']?.get?.operationId).toBe('getSystemInfo');
    });
  });
}
