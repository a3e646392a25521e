import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventlaneClient } from './client';
import { event, harness } from './testing/harness';

const clients: EventlaneClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

describe('read cache (stale-while-revalidate)', () => {
  it('caches a read, then serves it offline with its age and the error', async () => {
    const { client, server, clock } = harness();
    clients.push(client);
    await client.append('orders', 'order-1', [event('A'), event('B')]);
    await client.sync();
    const fresh = await client.readStream('orders', 'order-1');
    expect(fresh).toMatchObject({ currentStreamVersion: 2, fetchedAt: clock.now(), error: null });

    clock.advance(60_000);
    server.failNext('network-error', (r) => r.method === 'GET');
    const offline = await client.readStream('orders', 'order-1');
    expect(offline.events.map((e) => e.type)).toEqual(['A', 'B']);
    expect(clock.now() - offline.fetchedAt!).toBe(60_000);
    expect(offline.error?.message).toMatch(/Network error/);
  });

  it('asks only for events past the cached version, page by page', async () => {
    const { client, server } = harness();
    clients.push(client);
    await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    await client.readStream('orders', 'order-1');
    await client.append('orders', 'order-1', [event('B'), event('C')]);
    await client.sync();
    const snapshot = await client.readStream('orders', 'order-1');
    expect(snapshot.events.map((e) => e.streamPosition)).toEqual([0, 1, 2]);
    const reads = server.requests.filter((r) => r.method === 'GET');
    expect(reads).toHaveLength(2);
  });

  it('pages through a stream longer than the page size', async () => {
    const { client, server } = harness({ limits: { maxPageSize: 2 } });
    clients.push(client);
    await client.append('orders', 'order-1', [event('A'), event('B'), event('C'), event('D'), event('E')]);
    await client.sync();
    const snapshot = await client.readStream('orders', 'order-1');
    expect(snapshot.events.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
  });

  it('reads over the REST read API by default', async () => {
    const { client, server } = harness();
    clients.push(client);
    await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    expect((await client.readStream('orders', 'order-1')).events.map((e) => e.type)).toEqual(['A']);
    expect(server.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/api/event-stores/orders/streams/order-1/events']);
  });

  it('a stream never read and unreachable rejects', async () => {
    const { client, server } = harness();
    clients.push(client);
    server.failNext('network-error', (r) => r.method === 'GET');
    await expect(client.readStream('orders', 'order-9')).rejects.toThrow(/Network error/);
  });

  it('watchStream shows the cache at once and revalidates when watched', async () => {
    const { client } = harness();
    clients.push(client);
    await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    const view = client.watchStream('orders', 'order-1');
    expect(view).toBe(client.watchStream('orders', 'order-1'));
    expect(view.getSnapshot()).toMatchObject({ events: [], fetchedAt: null });
    const stop = view.subscribe(() => undefined);
    await vi.waitFor(() => expect(view.getSnapshot()).toMatchObject({ currentStreamVersion: 1, revalidating: false }));
    expect(view.getSnapshot()).toBe(view.getSnapshot());

    // An append to the watched stream syncs: the view revalidates by itself.
    await client.append('orders', 'order-1', [event('B')]);
    await client.sync();
    await vi.waitFor(() => expect(view.getSnapshot().events.map((e) => e.type)).toEqual(['A', 'B']));
    stop();
  });
});
