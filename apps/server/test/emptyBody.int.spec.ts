import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness';

/**
 * Issue 15: many HTTP clients and SDK wrappers send `Content-Type: application/json` on every
 * request, with no body on a DELETE or a GET. A route that takes no body must answer such a
 * request as if the header were absent; a route that takes one still refuses an empty body.
 * Sent with node:http so that the headers are exactly these (fetch decides Content-Length itself).
 */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** The ways a client sends "JSON, but nothing": an explicit zero length, or no length at all (chunked, no chunk). */
const EMPTY_JSON: Array<[string, Record<string, string>]> = [
  ['Content-Length: 0', { 'content-type': 'application/json', 'content-length': '0' }],
  ['charset, Content-Length: 0', { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' }],
  ['chunked, no chunk', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }],
];

describe('an empty body with Content-Type: application/json (issue 15)', () => {
  let server: TestServer;
  let key: string;
  const created: string[] = [];

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    ({ key } = await server.newOrg());
  });
  afterAll(async () => {
    await server?.stop();
  });

  const createStore = async () => {
    const name = `empty-body-${created.length + 1}`;
    created.push(name);
    const res = await send(`${server.url}/api/event-stores`, 'POST', { 'content-type': 'application/json', 'x-api-key': key }, JSON.stringify({ name }));
    expect(res.status).toBe(201);
    return name;
  };

  for (const [how, headers] of EMPTY_JSON) {
    describe(how, () => {
      it('REST DELETE /api/event-stores/{name}?confirm=true deletes the store', async () => {
        const name = await createStore();
        const res = await send(`${server.url}/api/event-stores/${name}?confirm=true`, 'DELETE', { ...headers, 'x-api-key': key });
        expect(res.json).toEqual({ success: true, message: 'Event store deleted successfully' });
        expect(res.status).toBe(200);
        const after = await send(`${server.url}/api/event-stores/${name}`, 'GET', { 'x-api-key': key });
        expect(after.status).toBe(404);
      });

      it('REST DELETE without confirm still answers CONFIRMATION_REQUIRED, not a body error', async () => {
        const name = await createStore();
        const res = await send(`${server.url}/api/event-stores/${name}`, 'DELETE', { ...headers, 'x-api-key': key });
        expect(res.status).toBe(400);
        expect((res.json as { error: string }).error).toBe('CONFIRMATION_REQUIRED');
      });

      it('REST GET /api/event-stores and a stream page answer 200', async () => {
        const name = await createStore();
        const list = await send(`${server.url}/api/event-stores?limit=5`, 'GET', { ...headers, 'x-api-key': key });
        expect(list.status).toBe(200);
        expect((list.json as { eventStores: unknown[] }).eventStores.length).toBeGreaterThan(0);
        const page = await send(`${server.url}/api/event-stores/${name}/streams/s-1/events`, 'GET', { ...headers, 'x-api-key': key });
        expect(page.status).toBe(200);
        expect(page.json).toMatchObject({ events: [], pagination: { hasMore: false } });
      });

      it('tRPC GET (a query) answers 200', async () => {
        const input = encodeURIComponent(JSON.stringify({ limit: 5 }));
        const res = await send(`${server.url}/trpc/eventStores.list?input=${input}`, 'GET', { ...headers, 'x-api-key': key });
        expect(res.status).toBe(200);
        expect((res.json as { result: { data: { eventStores: unknown[] } } }).result.data.eventStores.length).toBeGreaterThan(0);
      });

      it('tRPC DELETE answers like tRPC answers any DELETE (405 METHOD_NOT_SUPPORTED), not a body error', async () => {
        const res = await send(`${server.url}/trpc/eventStores.list`, 'DELETE', { ...headers, 'x-api-key': key });
        expect(res.status).toBe(405);
        expect(res.text).toContain('METHOD_NOT_SUPPORTED');
      });

      it('a route that takes a body still refuses an empty one (the append: 400 invalid_json)', async () => {
        const res = await send(`${server.url}/api/event-stores/any/streams/s-1`, 'POST', { ...headers, 'x-api-key': key });
        expect(res.status).toBe(400);
        expect(res.json).toEqual({
          error: 'Invalid request body',
          details: [{ code: 'invalid_json', message: 'Body must not be empty when Content-Type is application/json', path: [] }],
        });
      });

      it('an unknown route answers 404, not a body error', async () => {
        const res = await send(`${server.url}/api/nothing-here`, 'DELETE', { ...headers, 'x-api-key': key });
        expect(res.status).toBe(404);
      });
    });
  }
});
