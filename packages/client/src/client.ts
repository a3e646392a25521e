import { Dexie } from 'dexie';
import { DEFAULT_LIMITS } from '@eventlane/contracts';
import { DEFAULT_BACKOFF } from './backoff.js';
import { rebaseFollowers } from './coalesce.js';
import { InvalidAppendError, OutboxEntryStateError, OutboxStorageError } from './errors.js';
import type { EventlaneClient, EventlaneClientOptions } from './eventlaneClient.js';
import { createHttpTransport } from './httpTransport.js';
import { defaultLeader, type BroadcastChannelLike } from './leader.js';
import { createLiveStore } from './liveStore.js';
import { browserOnlineSignal, systemClock } from './onlineSignal.js';
import { OutboxDb } from './outboxDb.js';
import { createAppendPreparer } from './prepareAppend.js';
import { createStatusStore, type LocalStatus } from './statusStore.js';
import { StreamCache } from './streamCache.js';
import { SyncEngine, toOutboxError } from './syncEngine.js';
import type { ClientLimits, OutboxEntry, OutboxError } from './types.js';
import { stopWatchingSettled, watchSettled } from './watchSettled.js';

export type { AppendOptions, EventlaneClient, EventlaneClientOptions } from './eventlaneClient.js';

const EDITABLE = new Set(['conflict', 'rejected', 'paused']);

export function createEventlaneClient(options: EventlaneClientOptions): EventlaneClient {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const uuid = options.uuid ?? (() => crypto.randomUUID());
  const limits: ClientLimits = { ...pick(DEFAULT_LIMITS), ...options.limits };
  const prepare = createAppendPreparer(limits, uuid);
  const signal = options.online ?? browserOnlineSignal();
  let apiKey = options.apiKey;
  const db = new OutboxDb(options.dbName, options.dexieOptions);
  const http = createHttpTransport({ baseUrl: options.baseUrl, getApiKey: () => apiKey, fetch: options.fetch, clock });
  const transport = options.transport ?? http;
  const reader = options.reader ?? http;
  const local: LocalStatus = { signal: { online: signal.isOnline(), at: clock.now() }, isLeader: false, persisted: null, localError: null };
  const reportLocalError = (error: OutboxError) => {
    local.localError = error;
    status.localChanged();
  };
  const status = createStatusStore(db, local, (error) => reportLocalError(toOutboxError(error, clock.now())));
  const engine = new SyncEngine({
    db,
    transport,
    reader,
    clock,
    random,
    limits,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    maxParallelStreams: options.maxParallelStreams ?? 4,
    tabId: uuid(),
    onLocalError: reportLocalError,
  });
  const cache = new StreamCache(db, () => reader, clock, limits.maxPageSize);
  const outbox = createLiveStore(() => db.outbox.orderBy('id').toArray(), [] as OutboxEntry[], (error) => reportLocalError(toOutboxError(error, clock.now())));

  const leader = options.leader ?? defaultLeader(`eventlane-sync:${options.dbName}`, clock);
  let closed = false;
  leader.start((isLeader) => {
    local.isLeader = isLeader;
    status.localChanged();
    if (isLeader && !closed) engine.start().catch((error) => reportLocalError(toOutboxError(error, clock.now())));
    else engine.stop();
  });

  /** A new key ends a 401/403 pause: the paused entries go back to the queue. */
  const endAuthPause = () =>
    db.transaction('rw', db.outbox, db.meta, async () => {
      await db.outbox.where('state').equals('paused').modify({ state: 'pending', nextAttemptAt: 0 });
      await db.updateSyncState((state) => (state.paused === 'auth' ? { paused: null } : {}));
    });

  const keyChannel = options.keyChannel === undefined ? defaultKeyChannel(options.dbName) : options.keyChannel;
  if (keyChannel) {
    keyChannel.onmessage = (message) => {
      const key = (message.data as { apiKey?: unknown })?.apiKey;
      if (typeof key !== 'string') return;
      apiKey = key;
      // Also here: this tab may have been refused with the old key after the sender's own unpause.
      if (engine.isRunning) endAuthPause().then(() => engine.kick(), (error) => reportLocalError(toOutboxError(error, clock.now())));
    };
  }

  const stopSignal = signal.subscribe((online) => {
    local.signal = { online, at: clock.now() };
    status.localChanged();
    if (online && engine.isRunning) engine.wakeAll(true).catch((error) => reportLocalError(toOutboxError(error, clock.now())));
  });

  const persist =
    options.persistStorage === undefined
      ? (globalThis as { navigator?: { storage?: { persist?: () => Promise<boolean> } } }).navigator?.storage?.persist?.bind(
          (globalThis as { navigator?: { storage?: object } }).navigator?.storage,
        )
      : options.persistStorage;
  persist?.()
    .then((granted) => {
      local.persisted = granted;
      status.localChanged();
    })
    .catch(() => undefined); // not granted is not an error: the data is kept, just evictable

  /** Writes to IndexedDB; a failure (quota above all) is shown in the status and rethrown, never swallowed. */
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
    engine.kick();
  }

  const client: EventlaneClient = {
    db,
    outbox,
    status,

    async append(store, streamId, events, appendOptions = {}) {
      const expected = appendOptions.expectedStreamVersion;
      const queued = prepare(store, streamId, events, expected);
      const now = clock.now();
      const draft: Omit<OutboxEntry, 'id'> = {
        store,
        streamId,
        events: queued,
        ...(expected === undefined ? {} : { expectedStreamVersion: expected }),
        state: 'pending',
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
      engine.kick();
      return { entry: { ...draft, id }, settled: watchSettled(db, id) };
    },

    sync: async () => {
      await engine.wakeAll();
      await engine.drain();
    },

    retry: (id) =>
      change(id, (entry) => {
        if (entry.state === 'synced' || entry.state === 'syncing') throw new OutboxEntryStateError(`Entry ${id} is ${entry.state}`);
        return { state: 'pending', nextAttemptAt: 0, lastError: null, currentVersion: null };
      }),

    async rebase(id, version) {
      await guarded(() =>
        db.transaction('rw', db.outbox, async () => {
          const entry = await db.outbox.get(id);
          if (!entry || entry.state !== 'conflict') throw new OutboxEntryStateError(`Entry ${id} has no version conflict to rebase`);
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
          await db.outbox.put({ ...entry, expectedStreamVersion: to, state: 'pending', attempts: 0, currentVersion: null, lastError: null, nextAttemptAt: 0, updatedAt: now });
        }),
      );
      engine.kick();
    },

    async edit(id, events, editOptions) {
      await change(id, (entry) => {
        // Only where the server has certainly not stored the old events: new ids must not write them twice.
        const safe = EDITABLE.has(entry.state) || (entry.state === 'pending' && entry.attempts === 0);
        if (!safe) throw new OutboxEntryStateError(`Entry ${id} may already be stored (${entry.state}, ${entry.attempts} attempts); discard or retry it instead`);
        const expected = editOptions && 'expectedStreamVersion' in editOptions ? editOptions.expectedStreamVersion : entry.expectedStreamVersion;
        const fresh = events.map(({ eventId: _ignored, ...event }) => event);
        return { events: prepare(entry.store, entry.streamId, fresh, expected), expectedStreamVersion: expected, state: 'pending', attempts: 0, lastError: null, currentVersion: null, nextAttemptAt: 0 };
      });
    },

    discard: (id) =>
      change(id, (entry) => {
        if (entry.state === 'syncing') throw new OutboxEntryStateError(`Entry ${id} is in flight; discard it once it settles`);
        return 'delete';
      }),

    clearSynced: () => guarded(() => db.outbox.where('state').equals('synced').delete()),

    async pause() {
      await guarded(() => db.updateSyncState(() => ({ paused: 'manual' })));
    },

    async resume() {
      await guarded(() =>
        db.transaction('rw', db.outbox, db.meta, async () => {
          await db.outbox.where('state').equals('paused').modify({ state: 'pending', nextAttemptAt: 0 });
          await db.updateSyncState(() => ({ paused: null }));
        }),
      );
      engine.kick();
    },

    async setApiKey(key) {
      apiKey = key;
      keyChannel?.postMessage({ apiKey: key });
      await guarded(endAuthPause);
      engine.kick();
    },

    async readStream(store, streamId) {
      try {
        const row = await cache.refresh(store, streamId);
        return { ...row, revalidating: false, error: null };
      } catch (error) {
        const cached = await cache.cached(store, streamId);
        if (!cached) throw error;
        return { ...cached, revalidating: false, error: error as Error };
      }
    },

    watchStream: (store, streamId) => cache.watch(store, streamId),

    async close() {
      closed = true;
      stopSignal();
      keyChannel?.close();
      engine.stop();
      await leader.stop();
      stopWatchingSettled(db);
      db.close();
    },
  };
  return client;
}

function defaultKeyChannel(dbName: string): BroadcastChannelLike | null {
  if ((globalThis as { document?: unknown }).document === undefined || typeof BroadcastChannel !== 'function') return null;
  return new BroadcastChannel(`eventlane-key:${dbName}`) as unknown as BroadcastChannelLike;
}

function pick(limits: typeof DEFAULT_LIMITS): ClientLimits {
  return { maxBodyBytes: limits.maxBodyBytes, maxEventsPerAppend: limits.maxEventsPerAppend, maxJsonDepth: limits.maxJsonDepth, maxPageSize: limits.maxPageSize };
}
