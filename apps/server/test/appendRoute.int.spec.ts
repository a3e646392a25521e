import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendResponseSchema,
  duplicateEventIdErrorSchema,
  invalidRequestErrorSchema,
  versionConflictErrorSchema,
} from '@eventlane/contracts';
import { BACKENDS, backendAvailable, expectNoInternals, request, startTestServer, type TestServer } from './harness';

const UNAUTHORIZED = {
  error: 'UNAUTHORIZED',
  message: 'Unauthorized: Organization ID not found in authentication context',
};

const one = (type = 'user.created', data: Record<string, unknown> = { userId: '123' }) => ({ type, data });

for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`POST /api/event-stores/:store/streams/:stream on ${backend}`, () => {
    let server: TestServer;
    let key: string;
    let org: string;
    const streamUrl = (store: string, stream: string) =>
      `${server.url}/api/event-stores/${store}/streams/${encodeURIComponent(stream)}`;
    const post = (store: string, stream: string, body: unknown, k: string | null = key) =>
      request(streamUrl(store, stream), { method: 'POST', key: k, body });
    const version = async (store: string, stream: string, o = org) =>
      (await server.storage.readStream({ org: o, store }, stream, { limit: 1 })).currentStreamVersion;

    beforeAll(async () => {
      server = await startTestServer(backend, { limits: { maxBodyBytes: 64 * 1024, maxEventsPerAppend: 50 } });
      ({ key, org } = await server.newOrg());
    });
    afterAll(async () => {
      await server?.stop();
    });

    describe('200', () => {
      it('appends the seed example and answers exactly as the published page', async () => {
        const body = {
          events: [
            {
              type: 'user.created',
              data: { userId: '123', email: 'user@example.com' },
              metadata: { correlationId: 'abc-123' },
              schemaVersion: '1.0.0',
            },
          ],
          options: { expectedStreamVersion: 0 },
        };
        const response = await post('users', 'user-123', body);
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ success: true, nextExpectedStreamVersion: 1, eventsWritten: 1 });
        appendResponseSchema.strict().parse(response.body);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(response.headers.get('x-request-id')).toBeTruthy();
      });

      it('accepts the key as a Bearer token and every expectation mode', async () => {
        const stream = `order_${randomUUID().slice(0, 8)}`;
        const viaBearer = await request(streamUrl('orders', stream), {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          body: { events: [one('order.placed')], options: { expectedStreamVersion: 'no_stream' } },
        });
        expect(viaBearer.body).toEqual({ success: true, nextExpectedStreamVersion: 1, eventsWritten: 1 });
        const exists = await post('orders', stream, { events: [one('a'), one('b')], options: { expectedStreamVersion: 'stream_exists' } });
        expect(exists.body).toEqual({ success: true, nextExpectedStreamVersion: 3, eventsWritten: 2 });
        const any = await post('orders', stream, { events: [one('c')], options: { expectedStreamVersion: 'any' } });
        expect(any.body).toMatchObject({ nextExpectedStreamVersion: 4 });
        const omitted = await post('orders', stream, { events: [one('d')] });
        expect(omitted.body).toMatchObject({ nextExpectedStreamVersion: 5 });
      });

      it('answers a replay of the same event ids with eventsWritten 0 (idempotent 200)', async () => {
        const stream = `cart:${randomUUID().slice(0, 8)}`;
        const body = {
          events: [
            { ...one('added'), eventId: randomUUID() },
            { ...one('added'), eventId: randomUUID() },
          ],
          options: { expectedStreamVersion: 'no_stream' },
        };
        expect((await post('carts', stream, body)).body).toEqual({ success: true, nextExpectedStreamVersion: 2, eventsWritten: 2 });
        const replay = await post('carts', stream, body);
        expect(replay.status).toBe(200);
        expect(replay.body).toEqual({ success: true, nextExpectedStreamVersion: 2, eventsWritten: 0 });
        expect(await version('carts', stream)).toBe(2);
      });

      it('stores operator and dotted keys literally', async () => {
        const stream = `doc-${randomUUID().slice(0, 8)}`;
        const data = { $where: 'sleep(5000)', $gt: '', 'a.b': 1, '': 'x', '✓': ['ü'] };
        expect((await post('docs', stream, { events: [{ type: 't', data, metadata: null }] })).status).toBe(200);
        const read = await server.storage.readStream({ org, store: 'docs' }, stream, { limit: 1 });
        expect(read.events[0]).toMatchObject({ data, metadata: null });
      });
    });

    describe('400', () => {
      const cases: Array<[string, unknown, Array<string | number>]> = [
        ['empty events', { events: [] }, ['events']],
        ['missing type', { events: [{ data: {} }] }, ['events', 0, 'type']],
        ['missing data', { events: [{ type: 't' }] }, ['events', 0, 'data']],
        ['data not an object', { events: [{ type: 't', data: [1, 2] }] }, ['events', 0, 'data']],
        ['data a string', { events: [{ type: 't', data: 'x' }] }, ['events', 0, 'data']],
        ['negative expected version', { events: [one()], options: { expectedStreamVersion: -1 } }, ['options', 'expectedStreamVersion']],
        ['fractional expected version', { events: [one()], options: { expectedStreamVersion: 1.5 } }, ['options', 'expectedStreamVersion']],
        ['unknown expected mode', { events: [one()], options: { expectedStreamVersion: 'latest' } }, ['options', 'expectedStreamVersion']],
        ['unknown top-level key', { events: [one()], extra: true }, []],
        ['unknown option', { events: [one()], options: { expectedVersion: 1 } }, ['options']],
        ['malformed event id', { events: [{ ...one(), eventId: 'not-a-uuid' }] }, ['events', 0, 'eventId']],
        ['too many events', { events: Array.from({ length: 51 }, () => one()) }, ['events']],
        ['too deep data', { events: [{ type: 't', data: JSON.parse('{"a":'.repeat(70) + '1' + '}'.repeat(70)) }] }, ['events', 0, 'data']],
        ['no events field', {}, ['events']],
      ];
      it.each(cases)('%s → the zod issue list, nothing stored', async (_name, body, path) => {
        const stream = `bad-${randomUUID().slice(0, 8)}`;
        const response = await post('bad', stream, body);
        expect(response.status).toBe(400);
        const parsed = invalidRequestErrorSchema.strict().parse(response.body);
        expect(parsed.details.length).toBeGreaterThan(0);
        expect(parsed.details.map((d) => d.path)).toContainEqual(path);
        expect(await version('bad', stream)).toBe(0);
        expectNoInternals(response.text);
      });

      it('malformed JSON and prototype keys → 400 with a detail, nothing stored', async () => {
        for (const rawBody of ['{"events": [', '{"events": [{"type":"t","data":{"__proto__":{"x":1}}}]}', '']) {
          const response = await request(streamUrl('bad', 'proto-1'), { method: 'POST', key, rawBody });
          expect(response.status).toBe(400);
          const parsed = invalidRequestErrorSchema.strict().parse(response.body);
          expect(parsed.details[0]!.code).toMatch(/invalid_json|forbidden_key/);
          expectNoInternals(response.text);
        }
        expect(await version('bad', 'proto-1')).toBe(0);
      });

      it('a wrong content type → 400', async () => {
        const response = await request(streamUrl('bad', 'ct-1'), {
          method: 'POST',
          key,
          rawBody: JSON.stringify({ events: [one()] }),
          headers: { 'content-type': 'text/plain' },
        });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ error: 'Invalid request body' });
      });

      const badNames: Array<[string, string, string, string]> = [
        ['store too short', 'ab', 'user-1', 'eventStoreName'],
        ['store upper case', 'Orders', 'user-1', 'eventStoreName'],
        ['store starting with -', '-orders', 'user-1', 'eventStoreName'],
        ['store too long', 'a'.repeat(64), 'user-1', 'eventStoreName'],
        ['stream with a space', 'orders', 'user%201', 'streamId'],
        ['stream with an encoded slash', 'orders', 'user%2F1', 'streamId'],
        ['stream too long', 'orders', 'u'.repeat(257), 'streamId'],
        ['stream with unicode', 'orders', encodeURIComponent('üser-1'), 'streamId'],
      ];
      it.each(badNames)('%s → 400 pointing at params', async (_name, store, stream, param) => {
        const response = await request(`${server.url}/api/event-stores/${store}/streams/${stream}`, {
          method: 'POST',
          key,
          body: { events: [one()] },
        });
        expect(response.status).toBe(400);
        const parsed = invalidRequestErrorSchema.strict().parse(response.body);
        expect(parsed.details[0]!.path).toEqual(['params', param]);
      });

      it('names at the limits are accepted', async () => {
        const stream = `A-z_0.9:@-${'x'.repeat(246)}`;
        expect(stream).toHaveLength(256);
        const response = await post('a'.repeat(63), stream, { events: [one()] });
        expect(response.status).toBe(200);
      });
    });

    describe('401 and 403', () => {
      it('rejects missing, malformed, unknown and revoked keys with the exact body', async () => {
        const candidates: Array<Record<string, string>> = [
          {},
          { 'x-api-key': 'nonsense' },
          { 'x-api-key': `el_${'A'.repeat(43)}` },
          { 'x-api-key': `xx_${key.slice(3)}` },
          { authorization: `Basic ${key}` },
          { authorization: 'Bearer' },
        ];
        for (const headers of candidates) {
          const response = await request(streamUrl('orders', 'auth-1'), { method: 'POST', headers, body: { events: [one()] } });
          expect(response.status).toBe(401);
          expect(response.body).toEqual(UNAUTHORIZED);
        }
        const inQuery = await request(`${streamUrl('orders', 'auth-1')}?apiKey=${key}&api_key=${key}`, { body: { events: [one()] } });
        expect(inQuery.status).toBe(401);
        const revoked = await server.newOrg();
        await server.storage.revokeApiKey(revoked.keyId);
        const response = await post('orders', 'auth-1', { events: [one()] }, revoked.key);
        expect(response).toMatchObject({ status: 401, body: UNAUTHORIZED });
        expect(await version('orders', 'auth-1')).toBe(0);
      });

      it('answers 401 before looking at the body', async () => {
        const response = await request(streamUrl('orders', 'auth-2'), { method: 'POST', rawBody: '{not json' });
        expect(response).toMatchObject({ status: 401, body: UNAUTHORIZED });
      });

      it('rejects a key without the append scope with 403', async () => {
        const reader = await server.newOrg(['read']);
        const response = await post('orders', 'auth-3', { events: [one()] }, reader.key);
        expect(response.status).toBe(403);
        expect(response.body).toMatchObject({ error: 'FORBIDDEN' });
        expect(await version('orders', 'auth-3', reader.org)).toBe(0);
      });

      it('takes the organization only from the key', async () => {
        const other = await server.newOrg();
        const stream = `user-${randomUUID().slice(0, 8)}`;
        await post('shared', stream, { events: [one()] });
        // The other organization's "shared" store is its own: the stream does not exist there.
        const theirs = await post('shared', stream, { events: [one()], options: { expectedStreamVersion: 'no_stream' } }, other.key);
        expect(theirs.body).toEqual({ success: true, nextExpectedStreamVersion: 1, eventsWritten: 1 });
        expect(await version('shared', stream)).toBe(1);
        expect(await version('shared', stream, other.org)).toBe(1);
      });
    });

    describe('409', () => {
      it('answers a numeric conflict exactly as the published example', async () => {
        const stream = `user-${randomUUID().slice(0, 8)}`;
        await post('users', stream, { events: [one()], options: { expectedStreamVersion: 0 } });
        const response = await post('users', stream, { events: [one()], options: { expectedStreamVersion: 0 } });
        expect(response.status).toBe(409);
        expect(response.body).toEqual({
          error: 'Version conflict',
          details: 'Expected version 0 but stream is at version 1',
          currentVersion: 1,
          expectedVersion: 0,
        });
        expect(await version('users', stream)).toBe(1);
      });

      it('says the string modes in words', async () => {
        const stream = `user-${randomUUID().slice(0, 8)}`;
        const missing = await post('users', stream, { events: [one()], options: { expectedStreamVersion: 'stream_exists' } });
        expect(missing.status).toBe(409);
        expect(missing.body).toEqual({
          error: 'Version conflict',
          details: 'Expected stream to exist but it does not',
          currentVersion: 0,
          expectedVersion: 'stream_exists',
        });
        await post('users', stream, { events: [one(), one(), one()] });
        const exists = await post('users', stream, { events: [one()], options: { expectedStreamVersion: 'no_stream' } });
        expect(exists.body).toEqual({
          error: 'Version conflict',
          details: 'Expected stream to not exist but stream is at version 3',
          currentVersion: 3,
          expectedVersion: 'no_stream',
        });
        versionConflictErrorSchema.strict().parse(exists.body);
      });

      it('rejects event ids stored elsewhere with the ids', async () => {
        const id = randomUUID();
        await post('users', 'user-dup-a', { events: [{ ...one(), eventId: id }] });
        const response = await post('users', `user-dup-${randomUUID().slice(0, 6)}`, {
          events: [one(), { ...one(), eventId: id }],
        });
        expect(response.status).toBe(409);
        const parsed = duplicateEventIdErrorSchema.strict().parse(response.body);
        expect(parsed.eventIds).toEqual([id]);
      });

      it('lets exactly one of 20 concurrent HTTP appends with the same expectation win', async () => {
        const stream = `hot-${randomUUID().slice(0, 8)}`;
        const responses = await Promise.all(
          Array.from({ length: 20 }, () => post('users', stream, { events: [one()], options: { expectedStreamVersion: 0 } })),
        );
        expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
        expect(responses.filter((r) => r.status === 409)).toHaveLength(19);
        expect(await version('users', stream)).toBe(1);
      });
    });

    describe('413', () => {
      it('rejects a body over the limit and keeps serving', async () => {
        const stream = `big-${randomUUID().slice(0, 8)}`;
        const response = await post('big', stream, { events: [{ type: 't', data: { blob: 'x'.repeat(70 * 1024) } }] });
        expect(response.status).toBe(413);
        expect(response.body).toEqual({ error: 'Payload too large', message: expect.any(String) });
        expect(await version('big', stream)).toBe(0);
        expect((await post('big', stream, { events: [one()] })).status).toBe(200);
      });
    });

    describe('500', () => {
      it('answers an unexpected failure with a request id and no stack', async () => {
        const broken = new Proxy(server.storage, {
          get(target, property, receiver) {
            if (property === 'append') return async () => { throw new Error('boom at /secret/path.ts:12'); };
            if (property === 'close') return async () => {};
            const value = Reflect.get(target, property, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
        const other = await startTestServer(backend, { storage: broken });
        try {
          const response = await request(`${other.url}/api/event-stores/orders/streams/x-1`, { key, body: { events: [one()] } });
          expect(response.status).toBe(500);
          expect(response.body).toEqual({ error: 'INTERNAL_ERROR', message: 'Internal server error', requestId: response.headers.get('x-request-id') });
          expect(response.text).not.toContain('boom');
          expectNoInternals(response.text);
        } finally {
          await other.stop();
        }
      });
    });
  });
}
