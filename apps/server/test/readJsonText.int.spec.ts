import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsPageResponseSchema, globalEventsPageResponseSchema, streamResponseSchema } from '@eventlane/contracts';
import { BACKENDS, backendAvailable, request, startTestServer, type TestServer } from './harness';
import { trpcClient } from './trpc';

/** Bodies sent as raw text: integer-like keys (reordered by any JSON parse), `$`/dotted/empty keys, escapes. */
const EVENTS = [
  '{"type":"a","data":{"b":1,"10":2,"a":{"$set":[1,"x\\u2028y",null]},"":null,"a.b":-0,"big":1e21},"metadata":{"z":1,"1":"\\ud800"}}',
  '{"type":"b\\n","data":{},"schemaVersion":"v2","eventId":"0b6c7a8e-5d1f-4c2a-9e3b-1f2a3b4c5d6e"}',
  '{"type":"c","data":{"s":"é 日本 🎉 \\\\ \\t"},"metadata":null}',
];

/**
 * Issue 15: on both backends the REST event reads answer JSON text with the stored data spliced in
 * (handlers/eventsJson.ts, `storage.jsonText`); tRPC takes the parsed path. The REST text
 * must be exactly what serialising the tRPC answer (the parsed path) through the REST response
 * schema gives: same shape, same key order, same values.
 */
for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`REST event reads as JSON text on ${backend}`, () => {
    let server: TestServer;
    let key: string;
    let org: string;
    beforeAll(async () => {
      server = await startTestServer(backend);
      ({ key, org } = await server.newOrg());
      const response = await request(`${server.url}/api/event-stores/raw/streams/user-1`, { key, rawBody: `{"events":[${EVENTS.join(',')}]}` });
      expect(response.text).toContain('nextExpectedStreamVersion');
      await request(`${server.url}/api/event-stores/raw/streams/other`, { key, body: { events: [{ type: 'x', data: { n: 1 } }] } });
      await server.storage.waitForGlobalOrder({ org, store: 'raw' });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('answers the same text as the parsed path, for the whole stream, stream pages and the global order', async () => {
      const trpc = trpcClient(server.url, key);
      const rest = async (path: string) => {
        const response = await request(`${server.url}/api/event-stores/raw${path}`, { key });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        return response.text;
      };
      const whole = await trpc.streams.read.query({ eventStoreName: 'raw', streamId: 'user-1' });
      expect(whole.events).toHaveLength(3);
      expect(await rest('/streams/user-1')).toBe(JSON.stringify(streamResponseSchema.parse(whole)));

      const page = { limit: 2, offset: 1, sortDirection: 'desc', includeCount: true } as const;
      const streamPage = await trpc.streams.events.query({ eventStoreName: 'raw', streamId: 'user-1', ...page });
      expect(streamPage.events.map((e) => e.streamPosition)).toEqual([1, 0]);
      expect(await rest('/streams/user-1/events?limit=2&offset=1&sortDirection=desc&includeCount=true')).toBe(
        JSON.stringify(eventsPageResponseSchema.parse(streamPage)),
      );

      const storePage = await trpc.events.list.query({ eventStoreName: 'raw', limit: 10, offset: 0, sortDirection: 'asc', includeCount: false });
      expect(storePage.events).toHaveLength(4);
      expect(await rest('/events?limit=10')).toBe(JSON.stringify(globalEventsPageResponseSchema.parse(storePage)));
      const ofType = await trpc.events.list.query({ eventStoreName: 'raw', type: ['c', 'x'], limit: 10, offset: 0, sortDirection: 'asc', includeCount: true });
      expect(ofType.events.map((e) => e.type)).toEqual(['c', 'x']);
      expect(await rest('/events?type=c&type=x&limit=10&includeCount=true')).toBe(JSON.stringify(globalEventsPageResponseSchema.parse(ofType)));
    });

    it('keeps the errors: a missing store is 404, a stream too large is 400 STREAM_TOO_LARGE', async () => {
      const missing = await request(`${server.url}/api/event-stores/nope/streams/user-1/events`, { key });
      expect(missing.status).toBe(404);
      const { key: otherKey } = await server.newOrg();
      // Another organization's store answers like a missing one.
      expect((await request(`${server.url}/api/event-stores/raw/events`, { key: otherKey })).status).toBe(404);
      const big = { events: Array.from({ length: 1000 }, () => ({ type: 't', data: {} })) };
      expect((await request(`${server.url}/api/event-stores/raw/streams/big`, { key, body: big })).status).toBe(200);
      expect((await request(`${server.url}/api/event-stores/raw/streams/big`, { key, body: { events: [{ type: 't', data: {} }] } })).status).toBe(200);
      const tooLarge = await request(`${server.url}/api/event-stores/raw/streams/big`, { key });
      expect(tooLarge.status).toBe(400);
      expect(tooLarge.body).toMatchObject({ error: 'STREAM_TOO_LARGE' });
    });
  });
}
