import { Dexie } from 'dexie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventlaneClient } from './client';
import { InvalidAppendError, OutboxEntryStateError, OutboxStorageError } from './errors';
import { event, harness, settle, states } from './testing/harness';

const clients: EventlaneClient[] = [];
function setup(...args: Parameters<typeof harness>) {
  const h = harness(...args);
  clients.push(h.client);
  return h;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

describe('append validation', () => {
  it('refuses what the server would refuse, and queues nothing', async () => {
    const { client } = setup();
    await expect(client.append('No Such Store!', 'order-1', [event('A')])).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(client.append('orders', 'bad id/x', [event('A')])).rejects.toThrow(/streamId/);
    await expect(client.append('orders', 'order-1', [])).rejects.toThrow(/At least one event/);
    await expect(client.append('orders', 'order-1', [{ type: '', data: {} }])).rejects.toThrow(InvalidAppendError);
    await expect(client.append('orders', 'order-1', [event('A')], { expectedStreamVersion: -1 })).rejects.toThrow(InvalidAppendError);
    await expect(client.append('orders', 'order-1', [event('A', { big: 'x'.repeat(2000) })])).resolves.toBeDefined();
    expect(await client.outbox.current()).toHaveLength(1);
  });

  it('refuses an append over the body limit', async () => {
    const { client } = setup({ limits: { maxBodyBytes: 1000 } });
    const error = await client.append('orders', 'order-1', [event('A', { big: 'x'.repeat(2000) })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAppendError);
    expect((error as InvalidAppendError).issues[0]!.code).toBe('too_big');
  });

  it('keeps an event id the caller gave', async () => {
    const { client } = setup();
    const eventId = crypto.randomUUID();
    const { entry } = await client.append('orders', 'order-1', [{ type: 'A', data: {}, eventId }]);
    expect(entry.events[0]!.eventId).toBe(eventId);
  });
});

describe('durability', () => {
  it('a quota error rejects the append and shows in the status, never swallowed', async () => {
    const { client } = setup();
    vi.spyOn(client.db.outbox, 'add').mockRejectedValueOnce(new Dexie.QuotaExceededError('disk full'));
    const error = await client.append('orders', 'order-1', [event('A')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboxStorageError);
    expect((error as OutboxStorageError).isQuotaExceeded).toBe(true);
    expect(client.status.getSnapshot().lastError).toMatchObject({ kind: 'quota' });
    expect((await client.status.current()).lastError).toMatchObject({ kind: 'quota', message: expect.stringContaining('disk full') });
  });

  it('asks for persistent storage and reports the answer', async () => {
    const persist = vi.fn(async () => true);
    const { client } = setup({ persistStorage: persist });
    await settle();
    expect(persist).toHaveBeenCalledOnce();
    expect((await client.status.current()).persisted).toBe(true);
  });
});

describe('operator controls', () => {
  it('discard drops an entry and settles it as discarded; in-flight entries cannot be discarded', async () => {
    const { client, server } = setup();
    await client.pause();
    const a = await client.append('orders', 'order-1', [event('A')]);
    await client.discard(a.entry.id);
    expect(await a.settled).toEqual({ state: 'discarded', id: a.entry.id });
    await client.resume();
    await client.sync();
    expect(server.appends()).toHaveLength(0);

    await client.db.outbox.add({ ...a.entry, id: 99, state: 'syncing' });
    await expect(client.discard(99)).rejects.toBeInstanceOf(OutboxEntryStateError);
  });

  it('edit replaces the events with new ids, only where the server has certainly not stored them', async () => {
    const { client, server, clock } = setup();
    server.failNext({ status: 400, body: { error: 'Invalid request body', details: [] } });
    const a = await client.append('orders', 'order-1', [event('Typo')]);
    await client.sync();
    expect((await client.db.outbox.get(a.entry.id))!.state).toBe('rejected');
    await client.edit(a.entry.id, [event('Fixed')], { expectedStreamVersion: 'no_stream' });
    const edited = (await client.db.outbox.get(a.entry.id))!;
    expect(edited).toMatchObject({ state: 'pending', attempts: 0, expectedStreamVersion: 'no_stream' });
    expect(edited.events[0]!.eventId).not.toBe(a.entry.events[0]!.eventId);
    await client.sync();
    expect(server.stream('orders', 'order-1').map((e) => e.type)).toEqual(['Fixed']);

    // A pending entry that was sent once may be stored (lost answer): editing it could write twice.
    server.failNext('commit-then-network-error');
    const b = await client.append('orders', 'order-1', [event('B')]);
    await client.sync();
    await expect(client.edit(b.entry.id, [event('C')])).rejects.toBeInstanceOf(OutboxEntryStateError);
    clock.advance(1000);
    expect(await b.settled).toMatchObject({ state: 'synced' });
  });

  it('retry re-sends a rejected entry as it is', async () => {
    const { client, server } = setup();
    server.failNext({ status: 413, body: { error: 'Payload too large', message: 'too big' } });
    const a = await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    expect((await client.db.outbox.get(a.entry.id))!.state).toBe('rejected');
    await client.retry(a.entry.id);
    await client.sync();
    expect((await client.db.outbox.get(a.entry.id))!.state).toBe('synced');
    await expect(client.retry(a.entry.id)).rejects.toBeInstanceOf(OutboxEntryStateError);
  });

  it('rebase is only for conflicts, and takes an explicit version', async () => {
    const { client, server } = setup();
    const a = await client.append('orders', 'order-1', [event('A')]);
    await expect(client.rebase(a.entry.id)).rejects.toBeInstanceOf(OutboxEntryStateError);
    await client.sync();
    const b = await client.append('orders', 'order-1', [event('B')], { expectedStreamVersion: 5 });
    await client.sync();
    expect((await client.db.outbox.get(b.entry.id))!).toMatchObject({ state: 'conflict', currentVersion: 1 });
    await client.rebase(b.entry.id, 1);
    expect(await b.settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 2 } });
    expect(server.appends().at(-1)!.body.options).toEqual({ expectedStreamVersion: 1 });
  });

  it('pause stops sync in every tab until resume; sync() ends a backoff wait', async () => {
    const { client, server } = setup();
    await client.pause();
    await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    expect(server.appends()).toHaveLength(0);
    expect((await client.status.current()).paused).toBe('manual');
    await client.resume();
    server.failNext({ status: 503, body: {}, headers: { 'Retry-After': '3600' } });
    await client.sync();
    expect(server.appends()).toHaveLength(1);
    await client.sync(); // the operator's "sync now" does not wait out the hour
    expect(states(await client.outbox.current())).toEqual(['synced']);
  });

  it('clearSynced removes the history of synced entries', async () => {
    const { client } = setup();
    await client.append('orders', 'order-1', [event('A')]);
    await client.sync();
    await client.pause();
    await client.append('orders', 'order-1', [event('B')]);
    expect(await client.clearSynced()).toBe(1);
    expect(states(await client.outbox.current())).toEqual(['pending']);
  });
});

describe('live outbox and status', () => {
  it('notifies subscribers and counts entries by state', async () => {
    const { client, server } = setup();
    const seen: number[] = [];
    const stop = client.outbox.subscribe(() => seen.push(client.outbox.getSnapshot().length));
    const stopStatus = client.status.subscribe(() => undefined);
    await client.pause();
    await client.append('orders', 'order-1', [event('A')]);
    await client.append('orders', 'order-2', [event('B')], { expectedStreamVersion: 3 });
    await vi.waitFor(() => expect(seen.at(-1)).toBe(2));
    await vi.waitFor(() => expect(client.status.getSnapshot()).toMatchObject({ pendingCount: 2, paused: 'manual', isLeader: true }));
    const before = client.status.getSnapshot();
    expect(client.status.getSnapshot()).toBe(before); // stable between changes, as useSyncExternalStore needs

    await client.resume();
    await client.sync();
    await vi.waitFor(() => expect(client.status.getSnapshot()).toMatchObject({ pendingCount: 0, conflictCount: 1, syncing: false, paused: null }));
    expect(client.status.getSnapshot().lastSyncAt).not.toBeNull();
    expect(server.appends()).toHaveLength(2);
    stop();
    stopStatus();
  });
});
