import { Dexie } from 'dexie';
import type { EventInput } from '@eventlane/contracts';
import { rebaseFollowers } from './coalesce.js';
import { InvalidAppendError, OutboxEntryStateError, OutboxStorageError } from './errors.js';
import type { AppendOptions } from './eventlaneClient.js';
import { INITIAL_STATE, canTake, nextState } from './outboxMachine.js';
import type { OutboxDb } from './outboxDb.js';
import type { AppendPreparer } from './prepareAppend.js';
import { toOutboxError } from './syncEngine.js';
import type { Clock, OutboxEntry, OutboxError } from './types.js';

export interface OutboxControlsContext {
  db: OutboxDb;
  clock: Pick<Clock, 'now'>;
  prepare: AppendPreparer;
  /** Wakes the sync engine after a change that may make an entry sendable. */
  kick(): void;
  /** Shows a storage failure in the status. */
  reportLocalError(error: OutboxError): void;
}

/**
 * The writes an app makes to its outbox: queue an append, and the operator controls. Each entry
 * moves only by an event of the state table (`outboxMachine.ts`); an IndexedDB failure (quota
 * above all) is shown in the status and rethrown as `OutboxStorageError`, never swallowed.
 */
export function createOutboxControls({ db, clock, prepare, kick, reportLocalError }: OutboxControlsContext) {
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof InvalidAppendError || error instanceof OutboxEntryStateError) throw error;
      const detail = toOutboxError(error, clock.now());
      reportLocalError(detail);
      throw new OutboxStorageError(detail, { cause: error });
    }
  }

  /** Read-modify-write of one entry in one transaction, then a kick. */
  async function change(id: number, update: (entry: OutboxEntry) => Partial<OutboxEntry> | 'delete'): Promise<void> {
    await guarded(() =>
      db.transaction('rw', db.outbox, async () => {
        const entry = await db.outbox.get(id);
        if (!entry) throw new OutboxEntryStateError(`No outbox entry ${id}`);
        const next = update(entry);
        if (next === 'delete') await db.outbox.delete(id);
        else await db.outbox.put({ ...entry, ...next, updatedAt: clock.now() });
      }),
    );
    kick();
  }

  const resumePaused = () =>
    db.outbox
      .where('state')
      .equals('paused')
      .modify((entry) => {
        entry.state = nextState(entry.state, 'resume');
        entry.nextAttemptAt = 0;
      });

  return {
    guarded,

    async enqueue(store: string, streamId: string, events: EventInput[], options: AppendOptions = {}): Promise<OutboxEntry> {
      const expected = options.expectedStreamVersion;
      const queued = prepare(store, streamId, events, expected);
      const now = clock.now();
      const draft: Omit<OutboxEntry, 'id'> = {
        store,
        streamId,
        events: queued,
        ...(expected === undefined ? {} : { expectedStreamVersion: expected }),
        state: INITIAL_STATE,
        attempts: 0,
        lastError: null,
        result: null,
        currentVersion: null,
        createdAt: now,
        updatedAt: now,
        nextAttemptAt: 0,
        syncToken: null,
      };
      const id = await guarded(() => db.outbox.add(draft as OutboxEntry));
      kick();
      return { ...draft, id };
    },

    retry: (id: number) =>
      change(id, (entry) => {
        if (!canTake(entry.state, 'retry')) throw new OutboxEntryStateError(`Entry ${id} is ${entry.state}`);
        return { state: nextState(entry.state, 'retry'), nextAttemptAt: 0, lastError: null, currentVersion: null };
      }),

    async rebase(id: number, version?: number): Promise<void> {
      await guarded(() =>
        db.transaction('rw', db.outbox, async () => {
          const entry = await db.outbox.get(id);
          if (!entry || !canTake(entry.state, 'rebase')) throw new OutboxEntryStateError(`Entry ${id} has no version conflict to rebase`);
          const to = version ?? entry.currentVersion;
          if (to === null) throw new OutboxEntryStateError(`Entry ${id}: the stream's current version is unknown`);
          const followers = await db.outbox
            .where('[store+streamId+id]')
            .between([entry.store, entry.streamId, id + 1], [entry.store, entry.streamId, Dexie.maxKey])
            .filter((follower) => follower.state === 'pending' || follower.state === 'paused')
            .toArray();
          const now = clock.now();
          for (const [followerId, expected] of rebaseFollowers(entry, to, followers)) {
            await db.outbox.update(followerId, { expectedStreamVersion: expected, updatedAt: now });
          }
          await db.outbox.put({ ...entry, expectedStreamVersion: to, state: nextState(entry.state, 'rebase'), attempts: 0, currentVersion: null, lastError: null, nextAttemptAt: 0, updatedAt: now });
        }),
      );
      kick();
    },

    edit: (id: number, events: EventInput[], options?: AppendOptions) =>
      change(id, (entry) => {
        // Only where the server has certainly not stored the old events: new ids must not write them twice.
        const safe = canTake(entry.state, 'edit') && (entry.state !== 'pending' || entry.attempts === 0);
        if (!safe) throw new OutboxEntryStateError(`Entry ${id} may already be stored (${entry.state}, ${entry.attempts} attempts); discard or retry it instead`);
        const expected = options && 'expectedStreamVersion' in options ? options.expectedStreamVersion : entry.expectedStreamVersion;
        const fresh = events.map(({ eventId: _ignored, ...event }) => event);
        return { events: prepare(entry.store, entry.streamId, fresh, expected), expectedStreamVersion: expected, state: nextState(entry.state, 'edit'), attempts: 0, lastError: null, currentVersion: null, nextAttemptAt: 0 };
      }),

    discard: (id: number) =>
      change(id, (entry) => {
        if (entry.state === 'syncing') throw new OutboxEntryStateError(`Entry ${id} is in flight; discard it once it settles`);
        return 'delete';
      }),

    clearSynced: () => guarded(() => db.outbox.where('state').equals('synced').delete()),

    async pause(): Promise<void> {
      await guarded(() => db.updateSyncState(() => ({ paused: 'manual' })));
    },

    async resume(): Promise<void> {
      await guarded(() =>
        db.transaction('rw', db.outbox, db.meta, async () => {
          await resumePaused();
          await db.updateSyncState(() => ({ paused: null }));
        }),
      );
      kick();
    },

    /** A new key ends a 401/403 pause: the paused entries go back to the queue. */
    endAuthPause: () =>
      db.transaction('rw', db.outbox, db.meta, async () => {
        await resumePaused();
        await db.updateSyncState((state) => (state.paused === 'auth' ? { paused: null } : {}));
      }),
  };
}
