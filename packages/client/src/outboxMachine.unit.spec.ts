import { afterEach, describe, expect, it } from 'vitest';
import type { EventlaneClient } from './client';
import { IllegalTransitionError, INITIAL_STATE, OUTBOX_TRANSITIONS, nextState } from './outboxMachine';
import { event, harness, settle } from './testing/harness';
import type { OutboxEntry, OutboxState } from './types';

// Every state change the client writes to IndexedDB, watched at the database (Dexie hooks, so a
// write that bypasses the table is seen too), must be a transition of OUTBOX_TRANSITIONS; and the
// scenarios below, which go through every path of the engine and the operator controls, must
// between them make every transition the table has. Issue 14.
const clients: EventlaneClient[] = [];
const seen = new Map<string, number>();
const created: OutboxState[] = [];

function watch(client: EventlaneClient) {
  client.db.outbox.hook('creating', (_key, entry) => {
    created.push(entry.state);
  });
  client.db.outbox.hook('updating', (changes, _key, entry) => {
    const to = (changes as Partial<OutboxEntry>).state;
    if (to === undefined) return;
    const pair = `${entry.state} -> ${to}`;
    seen.set(pair, (seen.get(pair) ?? 0) + 1);
  });
}
function setup(...args: Parameters<typeof harness>) {
  const h = harness(...args);
  clients.push(h.client);
  watch(h.client);
  return h;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

const inTable = new Set(Object.entries(OUTBOX_TRANSITIONS).flatMap(([from, events]) => Object.values(events).map((to) => `${from} -> ${to}`)));
const invalid = { status: 400, body: { error: 'Invalid request body', details: [{ code: 'custom', message: 'no', path: ['events', 0] }] } };
const unauthorized = { status: 401, body: { error: 'UNAUTHORIZED', message: 'Unauthorized' } };

describe('the outbox state machine', () => {
  it('refuses a pair the table lacks', () => {
    expect(() => nextState('synced', 'retry')).toThrow(IllegalTransitionError);
    expect(() => nextState('pending', 'stored')).toThrow(IllegalTransitionError);
    expect(nextState('syncing', 'stored')).toBe('synced');
  });

  it('every transition the engine and the operator controls make is in the table, and each is made', async () => {
    // 200, and a version conflict rebased, retried and edited.
    {
      const { client } = setup();
      expect(await (await client.append('orders', 'o-1', [event('A')])).settled).toMatchObject({ state: 'synced' });
      const far = await client.append('orders', 'o-1', [event('B')], { expectedStreamVersion: 5 });
      await client.sync();
      await client.retry(far.entry.id); // conflict -> pending, and conflicts again
      await client.sync();
      await client.edit(far.entry.id, [event('B2')], { expectedStreamVersion: 9 }); // conflict -> pending
      await client.sync();
      await client.rebase(far.entry.id); // conflict -> pending -> synced
      expect(await far.settled).toMatchObject({ state: 'synced' });
    }
    // 400: rejected, then retried and edited; a coalesced 400 is split (syncing -> pending).
    {
      const { client, server } = setup();
      server.failNext(invalid);
      const bad = await client.append('orders', 'o-2', [event('A')]);
      expect(await bad.settled).toMatchObject({ state: 'rejected' });
      server.failNext(invalid);
      await client.retry(bad.entry.id);
      await client.sync();
      await client.edit(bad.entry.id, [event('A2')]);
      await client.sync();
      await client.pause();
      await client.append('orders', 'o-3', [event('C')]);
      await client.append('orders', 'o-3', [event('D')]);
      server.failNext(invalid);
      await client.resume();
      await client.sync();
      await client.sync();
    }
    // 401/403: paused; a new key, resume() and retry() each send it again; edit() too.
    {
      const { client, server } = setup();
      for (const unpause of ['key', 'resume', 'retry', 'edit'] as const) {
        server.failNext(unauthorized);
        const { entry } = await client.append('orders', `o-4-${unpause}`, [event('A')]);
        await client.sync();
        expect((await client.db.outbox.get(entry.id))?.state).toBe('paused');
        if (unpause === 'key') await client.setApiKey('el_test');
        else if (unpause === 'resume') await client.resume();
        else if (unpause === 'retry') await client.retry(entry.id);
        else await client.edit(entry.id, [event('A2')]);
        await client.resume();
        await client.sync();
      }
    }
    // Network errors, lost answers reconciled by reading the stream, ids stored elsewhere.
    {
      const { client, server, clock } = setup();
      server.failNext('network-error');
      const lost = await client.append('orders', 'o-5', [event('A')]);
      await client.sync();
      clock.advance(60_000);
      expect(await lost.settled).toMatchObject({ state: 'synced' });
      server.failNext('commit-then-network-error');
      const a = await client.append('orders', 'o-5', [event('B')]);
      await client.sync();
      await client.append('orders', 'o-5', [event('C')]);
      clock.advance(60_000);
      expect(await a.settled).toMatchObject({ state: 'synced' });
      const eventId = crypto.randomUUID();
      await (await client.append('orders', 'o-6', [{ type: 'A', data: {}, eventId }])).settled;
      expect(await (await client.append('orders', 'o-7', [{ type: 'A', data: {}, eventId }])).settled).toMatchObject({ state: 'rejected' });
    }
    // A pending entry retried and edited before it was ever sent; leadership moving while an entry is in flight.
    {
      const first = setup();
      await first.client.pause();
      const { entry } = await first.client.append('orders', 'o-8', [event('A')]);
      await first.client.retry(entry.id);
      await first.client.edit(entry.id, [event('A2')]);
      await first.client.db.outbox.update(entry.id, { state: 'syncing', syncToken: 'a-tab-that-died:1' });
      await first.client.close();
      clients.splice(clients.indexOf(first.client), 1);
      const second = setup({ dbName: first.dbName, fetch: first.server.fetch });
      await second.client.resume();
      expect(await second.client.whenSettled(entry.id)).toMatchObject({ state: 'synced' });
    }
    await settle();

    expect(created.length).toBeGreaterThan(0);
    expect(new Set(created)).toEqual(new Set([INITIAL_STATE]));
    const made = [...seen.keys()].sort();
    expect(made.filter((pair) => !inTable.has(pair))).toEqual([]);
    // A self-loop (pending -> pending on retry or edit) changes no state, so the database shows none.
    expect([...inTable].filter((pair) => !seen.has(pair) && pair !== 'pending -> pending').sort()).toEqual([]);
  });
});
