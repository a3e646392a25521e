import { afterEach, describe, expect, it } from 'vitest';
import type { EventlaneClient } from './client';
import { InvalidAppendError, OutboxStorageError } from './errors';
import { syncLockName, webLocksLeader } from './leader';
import { event, harness, settle } from './testing/harness';
import { FakeClock, FakeLocks, FakeServer, manualOnlineSignal } from './testing/index';

// The findings of issue 14, tried through the public API as an app developer would.
const clients: EventlaneClient[] = [];
function setup(...args: Parameters<typeof harness>) {
  const h = harness(...args);
  clients.push(h.client);
  return h;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

class Point {
  constructor(readonly x: number) {}
}
const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;

describe('append refuses what JSON cannot round-trip, before anything is queued (issue 14)', () => {
  const cases: Array<[string, Record<string, unknown>, Array<string | number>]> = [
    ['a BigInt', { n: 10n }, ['events', 0, 'data', 'n']],
    ['a function', { f: () => 1 }, ['events', 0, 'data', 'f']],
    ['a Symbol', { s: Symbol('x') }, ['events', 0, 'data', 's']],
    ['NaN', { nested: { n: Number.NaN } }, ['events', 0, 'data', 'nested', 'n']],
    ['Infinity', { n: Number.POSITIVE_INFINITY }, ['events', 0, 'data', 'n']],
    ['a Map', { m: new Map([['a', 1]]) }, ['events', 0, 'data', 'm']],
    ['a Set', { s: new Set([1]) }, ['events', 0, 'data', 's']],
    ['a Date', { at: new Date(0) }, ['events', 0, 'data', 'at']],
    ['a class instance', { p: new Point(1) }, ['events', 0, 'data', 'p']],
    ['a cycle', { c: cyclic }, ['events', 0, 'data', 'c', 'self']],
    ['undefined in an array', { list: [1, undefined, 3] }, ['events', 0, 'data', 'list', 1]],
    ['a hole in an array', { list: [1, , 3] }, ['events', 0, 'data', 'list', 1]], // eslint-disable-line no-sparse-arrays
    ['a Symbol key', { [Symbol('k')]: 1 }, ['events', 0, 'data']],
  ];

  it.each(cases)('%s: InvalidAppendError with the path to it', async (_name, data, path) => {
    const { client, server } = setup();
    const error = await client.append('orders', 'order-1', [event('A', data)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAppendError);
    expect((error as InvalidAppendError).issues).toContainEqual(expect.objectContaining({ code: 'not_json', path }));
    await client.sync();
    expect(await client.outbox.current()).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('in metadata too, and an undefined property (left out by JSON) is fine', async () => {
    const { client } = setup();
    const error = await client.append('orders', 'order-1', [{ type: 'A', data: {}, metadata: { n: 1n } }]).catch((e: unknown) => e);
    expect((error as InvalidAppendError).issues).toContainEqual(expect.objectContaining({ path: ['events', 0, 'metadata', 'n'] }));
    const { settled } = await client.append('orders', 'order-1', [event('A', { maybe: undefined, ok: [1, 'two', null, { three: true }] })]);
    expect(await settled).toMatchObject({ state: 'synced' });
  });
});

describe('status.lastError (issue 14)', () => {
  it('clears on the next successful sync after a local storage error', async () => {
    const { client, clock } = setup();
    const quota = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    client.db.outbox.hook('creating', quota);
    await expect(client.append('orders', 'order-1', [event('A')])).rejects.toBeInstanceOf(OutboxStorageError);
    expect(await client.status.current()).toMatchObject({ lastError: { kind: 'quota' } });
    client.db.outbox.hook('creating').unsubscribe(quota);

    clock.advance(1_000);
    const { settled } = await client.append('orders', 'order-1', [event('A')]);
    expect(await settled).toMatchObject({ state: 'synced' });
    expect(await client.status.current()).toMatchObject({ lastError: null });
  });

  it('clears after a network error once a request succeeds', async () => {
    const { client, server, clock } = setup();
    server.failNext('network-error');
    const { settled } = await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    expect(await client.status.current()).toMatchObject({ lastError: { kind: 'network' } });
    clock.advance(60_000);
    expect(await settled).toMatchObject({ state: 'synced' });
    expect(await client.status.current()).toMatchObject({ lastError: null });
  });
});

describe('whenSettled and snapshots after a reload (issue 14)', () => {
  async function queuedThenReloaded() {
    const first = setup({ online: manualOnlineSignal(false) });
    const a = await first.client.append('orders', 'order-1', [event('A')]);
    const b = await first.client.append('orders', 'order-2', [event('B')]);
    const c = await first.client.append('orders', 'order-3', [event('C')]);
    await first.client.close();
    clients.splice(clients.indexOf(first.client), 1);
    return { first, ids: [a.entry.id, b.entry.id, c.entry.id] };
  }

  it('whenSettled(id) resolves for entries queued before the reload, at once when already settled', async () => {
    const { first, ids } = await queuedThenReloaded();
    const second = setup({ dbName: first.dbName, fetch: first.server.fetch });
    const outcomes = await Promise.all(ids.map((id) => second.client.whenSettled(id)));
    expect(outcomes.map((outcome) => outcome.state)).toEqual(['synced', 'synced', 'synced']);
    expect(await second.client.whenSettled(ids[0]!)).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 1 } });
    await second.client.discard(ids[1]!);
    expect(await second.client.whenSettled(ids[1]!)).toEqual({ state: 'discarded', id: ids[1] });
  });

  it('getSnapshot() shows the queued entries before anyone subscribes', async () => {
    const { first } = await queuedThenReloaded();
    const second = setup({ dbName: first.dbName, online: manualOnlineSignal(false) });
    await second.client.ready;
    expect(second.client.status.getSnapshot()).toMatchObject({ pendingCount: 3 });
    expect(second.client.outbox.getSnapshot().map((entry) => entry.streamId)).toEqual(['order-1', 'order-2', 'order-3']);

    await second.client.discard(second.client.outbox.getSnapshot()[0]!.id);
    second.client.status.getSnapshot(); // starts a fresh read: without a subscriber the snapshot still keeps up
    await settle();
    expect(second.client.status.getSnapshot()).toMatchObject({ pendingCount: 2 });
  });
});

describe('@eventlane/client/testing: several tabs outside a browser (issue 14)', () => {
  it('clients sharing a FakeLocks and syncLockName(dbName) elect one syncing tab; closing it hands over', async () => {
    const locks = new FakeLocks();
    const server = new FakeServer();
    const clock = new FakeClock();
    const dbName = `tabs-${crypto.randomUUID()}`;
    const tab = () =>
      setup({ dbName, fetch: server.fetch, clock, leader: webLocksLeader(syncLockName(dbName), locks), keyChannel: null }).client;
    const [one, two] = [tab(), tab()];
    await settle();
    const leaders = async () => (await Promise.all([one, two].map((c) => c.status.current()))).map((s) => s.isLeader);
    expect(await leaders()).toEqual([true, false]);

    const { settled } = await two.append('orders', 'order-1', [event('A')]);
    expect(await settled).toMatchObject({ state: 'synced' }); // sent by the leader, tab one
    await one.close();
    clients.splice(clients.indexOf(one), 1);
    await settle();
    expect((await two.status.current()).isLeader).toBe(true);
    expect(server.appends()).toHaveLength(1);
  });
});
