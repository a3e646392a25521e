import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventlaneClient } from './client';
import { broadcastChannelLeader, webLocksLeader } from './leader';
import { FakeClock } from './testing/fakeClock';
import { FakeChannelHub, FakeLocks } from './testing/fakeLocks';
import { event, harness, settle } from './testing/harness';

const clients: EventlaneClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => undefined)));
});

/** Two tabs of one app: one database, one lock manager, one server. */
function twoTabs() {
  const locks = new FakeLocks();
  const a = harness({ leader: webLocksLeader('eventlane-sync:x', locks) });
  const b = harness({ dbName: a.dbName, fetch: a.server.fetch, clock: a.clock, leader: webLocksLeader('eventlane-sync:x', locks) });
  clients.push(a.client, b.client);
  return { a, b, server: a.server };
}

describe('multi-tab with Web Locks', () => {
  it('one tab syncs; every tab sees the same outbox and status', async () => {
    const { a, b, server } = twoTabs();
    await vi.waitFor(async () => expect((await a.client.status.current()).isLeader).toBe(true));
    expect((await b.client.status.current()).isLeader).toBe(false);

    const fromB = await b.client.append('orders', 'order-1', [event('FromB')]);
    expect(await fromB.settled).toMatchObject({ state: 'synced' }); // sent by tab A
    expect(server.appends()).toHaveLength(1);

    const stop = a.client.outbox.subscribe(() => undefined);
    await vi.waitFor(() => expect(a.client.outbox.getSnapshot().map((e) => e.id)).toEqual([fromB.entry.id]));
    stop();
    await a.client.pause();
    expect((await b.client.status.current()).paused).toBe('manual');
  });

  it('the lock moves when the syncing tab closes, and the new leader resends what was in flight', async () => {
    const locks = new FakeLocks();
    // Tab A's request never comes back: the tab closes with the append in flight.
    const a = harness({ leader: webLocksLeader('eventlane-sync:y', locks), fetch: () => new Promise<Response>(() => undefined) });
    const b = harness({ dbName: a.dbName, clock: a.clock, leader: webLocksLeader('eventlane-sync:y', locks) });
    clients.push(a.client, b.client);
    await vi.waitFor(async () => expect((await a.client.status.current()).isLeader).toBe(true));
    const queued = await b.client.append('orders', 'order-1', [event('A')]);
    await vi.waitFor(async () => expect((await b.client.db.outbox.get(queued.entry.id))!.state).toBe('syncing'));
    expect((await b.client.status.current()).syncing).toBe(true);

    await a.client.close();
    await vi.waitFor(async () => expect((await b.client.status.current()).isLeader).toBe(true));
    expect(await queued.settled).toMatchObject({ state: 'synced' });
    expect(b.server.stream('orders', 'order-1')).toHaveLength(1);
  });
});

describe('API key across tabs', () => {
  it('a key given in a tab that does not sync reaches the tab that does', async () => {
    const locks = new FakeLocks();
    const keys = new FakeChannelHub();
    const a = harness({ apiKey: 'el_old', leader: webLocksLeader('eventlane-sync:k', locks), keyChannel: keys.channel() });
    const b = harness({ apiKey: 'el_old', dbName: a.dbName, fetch: a.server.fetch, clock: a.clock, leader: webLocksLeader('eventlane-sync:k', locks), keyChannel: keys.channel() });
    clients.push(a.client, b.client);
    a.server.validKeys = new Set(['el_new']);
    await vi.waitFor(async () => expect((await a.client.status.current()).isLeader).toBe(true));
    const queued = await b.client.append('orders', 'order-1', [event('A')]);
    await vi.waitFor(async () => expect((await b.client.status.current()).paused).toBe('auth'));

    await b.client.setApiKey('el_new');
    expect(await queued.settled).toMatchObject({ state: 'synced' });
    expect(a.server.requests.at(-1)!.headers.get('X-API-Key')).toBe('el_new');
  });
});

describe('BroadcastChannel fallback election', () => {
  it('elects one leader, and another once it leaves', async () => {
    const clock = new FakeClock();
    const hub = new FakeChannelHub();
    const seen: Record<string, boolean> = {};
    const first = broadcastChannelLeader(hub.channel(), clock, { tabId: 'a', heartbeatMs: 1000, timeoutMs: 3000 });
    const second = broadcastChannelLeader(hub.channel(), clock, { tabId: 'b', heartbeatMs: 1000, timeoutMs: 3000 });
    first.start((leader) => (seen.a = leader));
    second.start((leader) => (seen.b = leader));
    clock.advance(3000);
    await settle(1);
    // Both claimed in the same instant; the smaller id keeps it.
    expect(seen).toEqual({ a: true, b: false });
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await settle(1);
    }
    expect(seen).toEqual({ a: true, b: false });

    await first.stop();
    await settle(1);
    clock.advance(1000);
    await settle(1);
    expect(seen).toEqual({ a: false, b: true });
    await second.stop();
  });

  it('a tab that hears a live leader does not claim', async () => {
    const clock = new FakeClock();
    const hub = new FakeChannelHub();
    let aLeads = false;
    let bLeads = false;
    const first = broadcastChannelLeader(hub.channel(), clock, { tabId: 'z' });
    first.start((leader) => (aLeads = leader));
    clock.advance(3000);
    await settle(1);
    expect(aLeads).toBe(true);
    const late = broadcastChannelLeader(hub.channel(), clock, { tabId: 'a' });
    late.start((leader) => (bLeads = leader));
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await settle(1);
    }
    expect([aLeads, bLeads]).toEqual([true, false]);
    await first.stop();
    await late.stop();
  });
});
