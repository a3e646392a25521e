import { describe, expect, it } from 'vitest';
import { ApiError, createAdminApi } from './adminApi';

function api(respond: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const client = createAdminApi({
    baseUrl: 'http://eventlane.test/',
    getApiKey: () => 'el_key',
    fetch: async (input, init) => {
      calls.push({ url: String(input), init: init ?? {} });
      return respond(String(input), init ?? {});
    },
  });
  return { client, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('createAdminApi', () => {
  it('sends the key in X-API-Key, never in the URL, and turns the id prefix into a glob', async () => {
    const { client, calls } = api(() => json(200, { streams: [], pagination: { limit: 25, offset: 0, hasMore: false } }));
    await client.listStreams('shop', { idPrefix: 'order-', limit: 25, offset: 0, sortBy: 'streamId', sortDirection: 'asc' });
    expect(calls[0]!.url).toContain('/api/event-stores/shop/streams?streamIdPattern=order-*');
    expect(calls[0]!.url).not.toContain('el_key');
    expect(new Headers(calls[0]!.init.headers).get('X-API-Key')).toBe('el_key');
  });

  it('unwraps tRPC answers and sends the input as JSON', async () => {
    const { client, calls } = api(() => json(200, { result: { data: { counts: [{ type: 'A', count: 2 }] } } }));
    expect(await client.eventCountsByType('shop')).toEqual({ counts: [{ type: 'A', count: 2 }] });
    expect(decodeURIComponent(calls[0]!.url)).toContain('/trpc/stats.eventCountsByType?input={"eventStoreName":"shop"}');
  });

  it('tells a refused key (401) from a missing scope (403), a network failure and other errors', async () => {
    const failing = (response: () => Response | Promise<Response>) => api(response).client.listStores({ limit: 1, offset: 0 });
    await expect(failing(() => json(401, { error: 'UNAUTHORIZED', message: 'Unauthorized' }))).rejects.toMatchObject({ kind: 'auth', status: 401 });
    await expect(failing(() => json(403, { error: 'FORBIDDEN', message: 'needs read' }))).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(failing(() => Promise.reject(new TypeError('Failed to fetch')))).rejects.toMatchObject({ kind: 'network' });
    const notFound = await failing(() => json(404, { error: 'EVENT_STORE_NOT_FOUND', message: 'Event store not found' })).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(ApiError);
    expect(notFound).toMatchObject({ kind: 'http', status: 404, code: 'EVENT_STORE_NOT_FOUND', message: 'Event store not found' });
  });

  it('rejects a 200 whose body is not the documented shape', async () => {
    await expect(api(() => json(200, { nope: true })).client.listStores({ limit: 1, offset: 0 })).rejects.toMatchObject({ kind: 'http' });
  });
});
