import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventlaneClient } from './client';
import { event, harness, settle, states } from './testing/harness';

const clients: EventlaneClient[] = [];
function setup(...args: Parameters<typeof harness>) {
  const h = harness(...args);
  clients.push(h.client);
  return h;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

const outbox = (client: EventlaneClient) => client.outbox.current();

describe('sync: 200 and exactly-once', () => {
  it('stores the append in IndexedDB with event ids before sending, then syncs it', async () => {
    const { client, server, online } = setup();
    online.set(false);
    await client.pause();
    const { entry, settled } = await client.append('orders', 'order-1', [event('Placed', { total: 1 })], { expectedStreamVersion: 'no_stream' });
    expect(entry).toMatchObject({ state: 'pending', attempts: 0, store: 'orders', streamId: 'order-1' });
    expect(entry.events[0]!.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await client.db.outbox.get(entry.id)).toMatchObject({ state: 'pending', events: entry.events });
    expect(server.requests).toHaveLength(0);

    online.set(true);
    await client.resume();
    const outcome = await settled;
    expect(outcome).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 1, eventsWritten: 1 } });
    expect(server.stream('orders', 'order-1').map((e) => e.eventId)).toEqual([entry.events[0]!.eventId]);
  });

  it('survives a reload: a new client on the same database sends what the old one queued', async () => {
    const first = setup();
    await first.client.pause();
    await first.client.append('orders', 'order-1', [event('Placed')]);
    await first.client.close();
    clients.pop();

    const second = setup({ dbName: first.dbName, fetch: first.server.fetch });
    await second.client.resume();
    await second.client.sync();
    expect(states(await outbox(second.client))).toEqual(['synced']);
    expect(first.server.stream('orders', 'order-1')).toHaveLength(1);
  });

  it('a lost response is retried with the same ids and stored once (idempotent replay)', async () => {
    const { client, server, clock } = setup();
    server.failNext('commit-then-network-error');
    const { settled } = await client.append('orders', 'order-1', [event('Placed'), event('Paid')], { expectedStreamVersion: 'no_stream' });
    await client.sync();
    const [waiting] = await outbox(client);
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1, lastError: { kind: 'network' } });
    expect((await client.status.current()).online).toBe(false);

    clock.advance(500); // attempt 1, random 0.5: 0.5 * 1000 ms
    expect(await settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 2, eventsWritten: 0 } });
    expect(server.stream('orders', 'order-1')).toHaveLength(2);
    const [first, second] = server.appends();
    expect(second!.body.events.map((e) => e.eventId)).toEqual(first!.body.events.map((e) => e.eventId));
    expect((await client.status.current()).online).toBe(true);
  });
});

describe('ordering, fencing, parallelism', () => {
  it('sends a stream in the order appended and holds later appends while the head waits', async () => {
    const { client, server, clock } = setup();
    await client.pause();
    await client.append('orders', 'order-1', [event('A')], { expectedStreamVersion: 0 });
    await client.append('orders', 'order-1', [event('B')], { expectedStreamVersion: 1 });
    await client.append('orders', 'order-1', [event('C')], { expectedStreamVersion: 'no_stream' }); // cannot chain: a request of its own
    server.failNext({ status: 503, body: { error: 'Service unavailable', message: 'down' } });
    await client.resume();
    await client.sync();
    expect(server.appends()).toHaveLength(1);
    await settle();
    expect(server.appends()).toHaveLength(1); // fenced behind the waiting head

    clock.advance(500);
    await vi.waitFor(async () => expect(states(await outbox(client))).toEqual(['synced', 'synced', 'conflict']));
    expect(server.appends().slice(1).map((a) => a.body.events.map((e) => e.type))).toEqual([['A', 'B'], ['C']]);
    expect(server.stream('orders', 'order-1').map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('syncs different streams in parallel, at most maxParallelStreams at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const release: Array<() => void> = [];
    const base = harness();
    const { client, server } = setup({
      maxParallelStreams: 2,
      fetch: async (input, init) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((resolve) => release.push(resolve));
        inFlight--;
        return base.server.fetch(input, init);
      },
    });
    await base.client.close();
    void server;
    await client.pause();
    for (const id of ['a-1', 'b-1', 'c-1', 'd-1']) await client.append('orders', id, [event('X')]);
    await client.resume();
    await vi.waitFor(() => expect(inFlight).toBe(2));
    await settle();
    expect(inFlight).toBe(2);
    while ((await client.status.current()).pendingCount > 0) {
      release.splice(0).forEach((go) => go());
      await settle(2);
    }
    expect(peak).toBe(2);
    expect(base.server.streams.size).toBe(4);
  });

  it('coalesces chained appends into one request and reports per entry', async () => {
    const { client, server } = setup();
    await client.pause();
    const a = await client.append('orders', 'order-1', [event('A'), event('A2')], { expectedStreamVersion: 'no_stream' });
    const b = await client.append('orders', 'order-1', [event('B')], { expectedStreamVersion: 2 });
    const c = await client.append('orders', 'order-1', [event('C')]);
    await client.resume();
    await client.sync();
    expect(server.appends()).toHaveLength(1);
    expect(server.appends()[0]!.body.options).toEqual({ expectedStreamVersion: 'no_stream' });
    expect((await a.settled).state === 'synced' && (await a.settled)).toMatchObject({ result: { nextExpectedStreamVersion: 2, eventsWritten: 2 } });
    expect(await b.settled).toMatchObject({ result: { nextExpectedStreamVersion: 3, eventsWritten: 1 } });
    expect(await c.settled).toMatchObject({ result: { nextExpectedStreamVersion: 4, eventsWritten: 1 } });
  });

  it('a long queue goes as one request: every entry is marked syncing in IndexedDB before it is sent, and each settles', async () => {
    const base = harness();
    let syncingWhenSent = -1;
    const { client } = setup({
      fetch: async (input, init) => {
        if (init?.method === 'POST') syncingWhenSent = await client.db.outbox.where('state').equals('syncing').count();
        return base.server.fetch(input, init);
      },
    });
    await base.client.close();
    await client.pause();
    const queued = [];
    for (let k = 0; k < 120; k++) queued.push(await client.append('orders', 'order-1', [event(`E${k}`)], { expectedStreamVersion: k === 0 ? 'no_stream' : k }));
    await client.resume();
    await client.sync();
    expect(base.server.appends()).toHaveLength(1);
    expect(syncingWhenSent).toBe(120);
    const outcomes = await Promise.all(queued.map((q) => q.settled));
    expect(outcomes.map((o) => (o.state === 'synced' ? o.result.nextExpectedStreamVersion : o.state))).toEqual(queued.map((_, k) => k + 1));
  });

  it('another tab on the same database: the syncing tab sends what it queues, and its `settled` resolves', async () => {
    const leading = setup();
    const follower = setup({ dbName: leading.dbName, fetch: leading.server.fetch, leader: { start: (onChange) => onChange(false), stop: async () => undefined } });
    const queued = await follower.client.append('orders', 'order-1', [event('A')], { expectedStreamVersion: 'no_stream' });
    expect(await queued.settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 1 } });
    expect(leading.server.stream('orders', 'order-1')).toHaveLength(1);

    await leading.client.pause();
    const dropped = await follower.client.append('orders', 'order-1', [event('B')], { expectedStreamVersion: 1 });
    await leading.client.discard(dropped.entry.id);
    expect(await dropped.settled).toEqual({ state: 'discarded', id: dropped.entry.id });
  });

  it('does not coalesce past maxEventsPerAppend', async () => {
    const { client, server } = setup({ limits: { maxEventsPerAppend: 3 } });
    await client.pause();
    await client.append('orders', 'order-1', [event('A'), event('A')]);
    await client.append('orders', 'order-1', [event('B'), event('B')]);
    await client.resume();
    await client.sync();
    await vi.waitFor(async () => expect(states(await outbox(client))).toEqual(['synced', 'synced']));
    expect(server.appends()).toHaveLength(2);
  });
});

describe('status codes', () => {
  it('409 version conflict stops that stream only; rebase re-sends against the current version', async () => {
    const { client, server } = setup();
    await client.append('orders', 'order-1', [event('Theirs')]);
    await client.sync();
    await client.pause();
    const mine = await client.append('orders', 'order-1', [event('Mine')], { expectedStreamVersion: 0 });
    const next = await client.append('orders', 'order-1', [event('Next')], { expectedStreamVersion: 1 });
    const other = await client.append('orders', 'order-2', [event('Other')]);
    await client.resume();
    await client.sync();
    expect(await client.db.outbox.get(mine.entry.id)).toMatchObject({ state: 'conflict', currentVersion: 1, lastError: { kind: 'version_conflict', status: 409 } });
    expect((await client.db.outbox.get(next.entry.id))!.state).toBe('pending');
    expect(await other.settled).toMatchObject({ state: 'synced' });
    expect((await client.status.current()).conflictCount).toBe(1);

    await client.rebase(mine.entry.id);
    expect((await client.db.outbox.get(next.entry.id))!.expectedStreamVersion).toBe(2); // moved along with its head
    await client.sync();
    expect(await mine.settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 2 } });
    expect(await next.settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 3 } });
    expect(server.stream('orders', 'order-1').map((e) => e.type)).toEqual(['Theirs', 'Mine', 'Next']);
  });

  it('409 duplicate id reconciles by reading the stream: stored entries are synced, the rest sent', async () => {
    const { client, server, clock } = setup();
    server.failNext('commit-then-network-error');
    const a = await client.append('orders', 'order-1', [event('A')], { expectedStreamVersion: 'no_stream' });
    await client.sync(); // A is stored, but the client saw a network error
    const b = await client.append('orders', 'order-1', [event('B')]);
    clock.advance(500); // the retry coalesces A and B: the server knows A's id but not B's → 409 duplicate
    expect(await a.settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 1, eventsWritten: 0 } });
    expect(await b.settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 2, eventsWritten: 1 } });
    expect(server.requests.some((r) => r.method === 'GET' && r.path === '/api/event-stores/orders/streams/order-1/events')).toBe(true);
    expect(server.stream('orders', 'order-1').map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('409 duplicate id stored in another stream rejects the entry', async () => {
    const { client, server } = setup();
    const eventId = crypto.randomUUID();
    await client.append('orders', 'order-1', [{ type: 'A', data: {}, eventId }]);
    await client.sync();
    const copy = await client.append('orders', 'order-2', [{ type: 'A', data: {}, eventId }]);
    expect(await copy.settled).toMatchObject({ state: 'rejected', error: { kind: 'duplicate_event_id', eventIds: [eventId] } });
    expect(server.stream('orders', 'order-2')).toHaveLength(0);
  });

  it('a 409 version conflict after a lost answer is checked against the stream before it counts', async () => {
    const { client, server, clock } = setup();
    server.failNext('commit-then-network-error');
    // A server that checks the version before the idempotent replay would answer the resend like this:
    server.failNext({ status: 409, body: { error: 'Version conflict', details: 'Expected version 0 but stream is at version 1', currentVersion: 1, expectedVersion: 0 } });
    const a = await client.append('orders', 'order-1', [event('A')], { expectedStreamVersion: 0 });
    await client.sync();
    clock.advance(500);
    expect(await a.settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 1, eventsWritten: 0 } });
    expect(server.stream('orders', 'order-1')).toHaveLength(1);
  });

  it('a 409 duplicate that cannot be reconciled for want of read access pauses sync', async () => {
    const { client, server } = setup();
    server.failNext({ status: 409, body: { error: 'Duplicate event id', details: 'x', eventIds: [] } });
    server.failNext({ status: 403, body: { error: 'FORBIDDEN', message: 'missing scope read' } }, (r) => r.method === 'GET');
    const a = await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    expect(await client.db.outbox.get(a.entry.id)).toMatchObject({ state: 'paused', lastError: { kind: 'unauthorized', status: 403 } });
    expect((await client.status.current()).paused).toBe('auth');
  });

  it('400 rejects with the server details; the stream goes on', async () => {
    const { client, server } = setup();
    const details = [{ code: 'custom', message: 'nope', path: ['events', 0, 'data'] }];
    server.failNext({ status: 400, body: { error: 'Invalid request body', details } });
    const bad = await client.append('orders', 'order-1', [event('Bad')]);
    await client.sync();
    const good = await client.append('orders', 'order-1', [event('Good')]);
    expect(await bad.settled).toMatchObject({ state: 'rejected', error: { kind: 'invalid', status: 400, details } });
    expect(await good.settled).toMatchObject({ state: 'synced' });
  });

  it('400 or 413 on a coalesced request splits it to find the culprit', async () => {
    for (const status of [400, 413]) {
      const { client, server } = setup();
      await client.pause();
      const a = await client.append('orders', 'order-1', [event('A')]);
      const b = await client.append('orders', 'order-1', [event('B')]);
      server.failNext({ status, body: {} }); // the coalesced [A, B]
      server.failNext({ status, body: {} }, (r) => r.method === 'POST' && (r.body as { events: unknown[] }).events.length === 1 && JSON.stringify(r.body).includes('"B"'));
      await client.resume();
      await client.sync();
      await vi.waitFor(async () => expect(states(await outbox(client))).toEqual(['synced', 'rejected']));
      expect(await a.settled).toMatchObject({ state: 'synced' });
      expect(await b.settled).toMatchObject({ state: 'rejected', error: { status } });
      expect(server.appends().map((x) => x.body.events.length)).toEqual([2, 1, 1]);
    }
  });

  it('401/403 pause sync until a new key is given', async () => {
    for (const status of [401, 403] as const) {
      const { client, server } = setup();
      if (status === 401) server.validKeys = new Set(['el_new']);
      else server.failNext({ status: 403, body: { error: 'FORBIDDEN', message: 'missing scope append' } });
      const a = await client.append('orders', 'order-1', [event('A')]);
      await client.sync();
      await client.append('orders', 'order-2', [event('B')]);
      await client.sync();
      expect(server.appends()).toHaveLength(1);
      expect(await client.status.current()).toMatchObject({ paused: 'auth', lastError: { kind: 'unauthorized', status } });
      expect((await client.db.outbox.get(a.entry.id))!.state).toBe('paused');

      await client.setApiKey('el_new');
      server.validKeys.add('el_new');
      await client.sync();
      await vi.waitFor(async () => expect(states(await outbox(client))).toEqual(['synced', 'synced']));
      expect(server.requests.at(-1)!.headers.get('X-API-Key')).toBe('el_new');
      expect((await client.status.current()).paused).toBeNull();
    }
  });

  it('429 honours Retry-After even when the jitter is shorter', async () => {
    const { client, server, clock } = setup();
    server.failNext({ status: 429, body: { error: 'Too many requests', message: 'slow down' }, headers: { 'Retry-After': '10' } });
    const a = await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    expect((await client.db.outbox.get(a.entry.id))!.nextAttemptAt).toBe(clock.now() + 10_000);
    clock.advance(9_999);
    await settle();
    expect(server.appends()).toHaveLength(1);
    clock.advance(1);
    expect(await a.settled).toMatchObject({ state: 'synced' });
  });

  it('5xx and network errors back off exponentially with full jitter, then recover', async () => {
    const { client, server, clock } = setup({ backoff: { baseMs: 1000, maxMs: 3000 } });
    server.failNext({ status: 500, body: {} });
    server.failNext({ status: 502, body: {} });
    server.failNext('network-error');
    server.failNext({ status: 503, body: {} });
    const a = await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    // random 0.5 → 500, 1000, 1500 (2000 capped at 3000 → 1500), 1500
    for (const wait of [500, 1000, 1500, 1500]) {
      const before = server.appends().length;
      const entry = (await client.db.outbox.get(a.entry.id))!;
      expect(entry.nextAttemptAt - clock.now()).toBe(wait);
      clock.advance(wait);
      await vi.waitFor(() => expect(server.appends().length).toBe(before + 1));
      await settle();
    }
    expect(await a.settled).toMatchObject({ state: 'synced' });
    expect((await client.db.outbox.get(a.entry.id))!.attempts).toBe(5);
  });

  it('coming back online ends the backoff wait at once', async () => {
    const { client, server, online } = setup();
    server.failNext('network-error');
    const a = await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    online.set(false);
    expect((await client.status.current()).online).toBe(false);
    online.set(true);
    expect(await a.settled).toMatchObject({ state: 'synced' });
    expect((await client.status.current()).online).toBe(true);
  });

  it('offline by the signal means no request at all, also on sync() and reads; the online event sends at once (issue 14)', async () => {
    // Before: with manualOnlineSignal(false) the client still sent (20-25 requests in a few seconds against a failing network).
    const { client, server, online, clock } = setup();
    online.set(false);
    const a = await client.append('orders', 'order-1', [event('A')]);
    await client.append('orders', 'order-2', [event('B')]);
    for (let i = 0; i < 20; i++) {
      await client.sync();
      clock.advance(5_000);
      await settle(2);
    }
    await expect(client.readStream('orders', 'order-1')).rejects.toThrow(/Offline/);
    expect(server.requests).toHaveLength(0);
    expect(await client.status.current()).toMatchObject({ online: false, pendingCount: 2 });

    online.set(true);
    expect(await a.settled).toMatchObject({ state: 'synced' });
    await client.sync();
    expect(server.appends()).toHaveLength(2);
    expect(await client.status.current()).toMatchObject({ online: true, pendingCount: 0 });
  });

  it('coming back online does not cut short a server Retry-After', async () => {
    const { client, server, online, clock } = setup();
    server.failNext({ status: 503, body: {}, headers: { 'Retry-After': '30' } });
    const a = await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    online.set(false);
    online.set(true);
    await settle();
    expect(server.appends()).toHaveLength(1);
    clock.advance(30_000);
    expect(await a.settled).toMatchObject({ state: 'synced' });
  });
});

describe('fencing', () => {
  it('a late answer to a run that lost the entry changes nothing', async () => {
    let answer!: (response: Response) => void;
    const { client } = setup({ fetch: () => new Promise<Response>((resolve) => (answer = resolve)) });
    const a = await client.append('orders', 'order-1', [event('A')]);
    await vi.waitFor(async () => expect((await client.db.outbox.get(a.entry.id))!.state).toBe('syncing'));
    // Another leader took the entry over meanwhile (new token) and is sending it itself.
    await client.db.outbox.update(a.entry.id, { syncToken: 'other-tab:1' });
    answer(new Response(JSON.stringify({ error: 'Invalid request body', details: [] }), { status: 400 }));
    await settle();
    expect(await client.db.outbox.get(a.entry.id)).toMatchObject({ state: 'syncing', syncToken: 'other-tab:1', lastError: null });
  });
});
