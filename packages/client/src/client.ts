import { Dexie, liveQuery } from 'dexie';
import {
  DEFAULT_LIMITS,
  eventStoreNameSchema,
  makeAppendRequestSchema,
  streamIdSchema,
  type EventInput,
  type ExpectedStreamVersion,
  type ValidationIssue,
} from '@eventlane/contracts';
import { DEFAULT_BACKOFF } from './backoff';
import { rebaseFollowers } from './coalesce';
import { InvalidAppendError, OutboxEntryStateError, OutboxStorageError } from './errors';
import { createHttpTransport } from './httpTransport';
import { createTrpcReadTransport } from './trpcReadTransport';
import { createLiveStore } from './liveStore';
import { defaultLeader, type BroadcastChannelLike, type LeaderElector } from './leader';
import { browserOnlineSignal, systemClock } from './onlineSignal';
import { OutboxDb } from './outboxDb';
import { createStatusStore, type LocalStatus } from './statusStore';
import { StreamCache, type StreamSnapshot } from './streamCache';
import { SyncEngine, toOutboxError } from './syncEngine';
import type { AppendTransport, ReadTransport } from './transport';
import type {
  BackoffOptions,
  ClientLimits,
  Clock,
  ExternalStore,
  OnlineSignal,
  OutboxEntry,
  OutboxError,
  QueuedAppend,
  QueuedEvent,
  SettledOutcome,
  SyncStatus,
} from './types';

export interface EventlaneClientOptions {
  /** The server, e.g. `https://events.example.com`. */
  baseUrl: string;
  apiKey: string;
  /** The IndexedDB database holding the outbox and the read cache; one per app and key owner. */
  dbName: string;
  fetch?: typeof fetch;
  /** Defaults to `navigator.onLine` and its events. */
  online?: OnlineSignal;
  clock?: Clock;
  /** In [0, 1), for backoff jitter. */
  random?: () => number;
  /** Streams synced at the same time (default 4). */
  maxParallelStreams?: number;
  /** The server's limits, for coalescing and early validation (default: the spec's). */
  limits?: Partial<ClientLimits>;
  backoff?: Partial<BackoffOptions>;
  /** Who syncs: defaults to Web Locks, else a BroadcastChannel election, else this context alone. */
  leader?: LeaderElector;
  /**
   * Carries a key given to `setApiKey` to the other tabs (the syncing one may be another tab). It
   * is kept in memory only, never in IndexedDB. Defaults to a BroadcastChannel in a browser page;
   * `null` turns it off.
   */
  keyChannel?: BroadcastChannelLike | null;
  /** Replaces the REST append transport (e.g. in tests). */
  transport?: AppendTransport;
  /** Replaces the reads; the default is the server's tRPC read router (`createTrpcReadTransport`), the REST reads are `createHttpTransport`. */
  reader?: ReadTransport;
  /** Dexie options such as `{ indexedDB, IDBKeyRange }` where there is no global IndexedDB. */
  dexieOptions?: ConstructorParameters<typeof Dexie>[1];
  /** Asks the browser to keep the database under storage pressure; defaults to `navigator.storage.persist`. `null` skips it. */
  persistStorage?: (() => Promise<boolean>) | null;
  /** Makes event ids; defaults to `crypto.randomUUID`. */
  uuid?: () => string;
}

export interface AppendOptions {
  /** A number N, `no_stream`, `stream_exists` or `any` (the default), as in the append endpoint. */
  expectedStreamVersion?: ExpectedStreamVersion;
}

export interface EventlaneClient {
  /** The IndexedDB database (advanced use and tests). */
  readonly db: OutboxDb;
  /**
   * Queues an append: it is in IndexedDB when the promise resolves, with its event ids assigned,
   * and `settled` tells its final outcome. Rejects with `InvalidAppendError` (not queued) or
   * `OutboxStorageError` (IndexedDB refused it, e.g. quota).
   *
   * @example
   * const { entry, settled } = await client.append('orders', 'order-42', [{ type: 'OrderPlaced', data: { total: 12 } }], { expectedStreamVersion: 'no_stream' });
   */
  append(store: string, streamId: string, events: EventInput[], options?: AppendOptions): Promise<QueuedAppend>;
  /** Every outbox entry, oldest first, live. */
  readonly outbox: ExternalStore<OutboxEntry[]> & { current(): Promise<OutboxEntry[]> };
  readonly status: ExternalStore<SyncStatus> & { current(): Promise<SyncStatus> };
  /** Sends what is queued now, ending any backoff wait; resolves when nothing more is ready (on the syncing tab). */
  sync(): Promise<void>;
  /** Sends a conflicted, rejected, paused or waiting entry again, as it is. */
  retry(id: number): Promise<void>;
  /**
   * Re-sends a conflicted entry against the stream's current version (or `version`); the entries
   * behind it that chained on it move along.
   */
  rebase(id: number, version?: number): Promise<void>;
  /** Replaces the events (new ids) and optionally the expectation of an entry the server has certainly not stored. */
  edit(id: number, events: EventInput[], options?: AppendOptions): Promise<void>;
  /** Drops an entry that is not in flight. */
  discard(id: number): Promise<void>;
  /** Removes synced entries from the outbox; returns how many. */
  clearSynced(): Promise<number>;
  /** Stops syncing (in every tab) until `resume()`. */
  pause(): Promise<void>;
  /** Ends a pause, manual or after a 401/403. */
  resume(): Promise<void>;
  /** Uses a new API key (in every tab) and ends a pause caused by a 401/403. */
  setApiKey(apiKey: string): Promise<void>;
  /** Reads a stream from the server into the cache; when the server cannot be reached, the cached copy (with its `error`). */
  readStream(store: string, streamId: string): Promise<StreamSnapshot>;
  /** A live, cached view of a stream that revalidates when first watched. */
  watchStream(store: string, streamId: string): ExternalStore<StreamSnapshot>;
  /** Gives up the sync lock (another tab takes over) and closes the database. */
  close(): Promise<void>;
}

const EDITABLE = new Set(['conflict', 'rejected', 'paused']);

function issuesOf(error: { issues: ReadonlyArray<{ code: string; message: string; path: ReadonlyArray<PropertyKey> }> }, prefix: string[]): ValidationIssue[] {
  return error.issues.map((issue) => ({
    code: issue.code,
    message: issue.message,
    path: [...prefix, ...issue.path.map((part) => (typeof part === 'number' ? part : String(part)))],
  }));
}

export function createEventlaneClient(options: EventlaneClientOptions): EventlaneClient {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const uuid = options.uuid ?? (() => crypto.randomUUID());
  const limits: ClientLimits = { ...pick(DEFAULT_LIMITS), ...options.limits };
  const requestSchema = makeAppendRequestSchema(limits);
  const signal = options.online ?? browserOnlineSignal();
  let apiKey = options.apiKey;
  const db = new OutboxDb(options.dbName, options.dexieOptions);
  const http = createHttpTransport({ baseUrl: options.baseUrl, getApiKey: () => apiKey, fetch: options.fetch, clock });
  const transport = options.transport ?? http;
  const reader = options.reader ?? createTrpcReadTransport({ baseUrl: options.baseUrl, getApiKey: () => apiKey, fetch: options.fetch });
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

  function prepare(store: string, streamId: string, events: EventInput[], expected: ExpectedStreamVersion | undefined): QueuedEvent[] {
    const issues: ValidationIssue[] = [];
    const name = eventStoreNameSchema.safeParse(store);
    if (!name.success) issues.push(...issuesOf(name.error, ['params', 'eventStoreName']));
    const id = streamIdSchema.safeParse(streamId);
    if (!id.success) issues.push(...issuesOf(id.error, ['params', 'streamId']));
    const queued = events.map((event) => ({ ...event, eventId: event.eventId ?? uuid() }));
    const request = { events: queued, ...(expected === undefined ? {} : { options: { expectedStreamVersion: expected } }) };
    const parsed = requestSchema.safeParse(request);
    if (!parsed.success) issues.push(...issuesOf(parsed.error, []));
    if (issues.length === 0 && new TextEncoder().encode(JSON.stringify(request)).length > limits.maxBodyBytes) {
      issues.push({ code: 'too_big', message: `The append is larger than ${limits.maxBodyBytes} bytes`, path: ['events'] });
    }
    if (issues.length > 0) throw new InvalidAppendError(issues);
    return queued;
  }

  function settledOf(id: number): Promise<SettledOutcome> {
    return new Promise((resolve) => {
      let done = false;
      const subscription = liveQuery(() => db.outbox.get(id)).subscribe({
        next(entry) {
          if (done) return;
          if (!entry) resolve({ state: 'discarded', id });
          else if (entry.state === 'synced' && entry.result) resolve({ state: 'synced', entry, result: entry.result });
          else if (entry.state === 'rejected') resolve({ state: 'rejected', entry, error: entry.lastError });
          else return;
          done = true;
          queueMicrotask(() => subscription.unsubscribe());
        },
        error: () => undefined, // the database closed: nothing more will settle here
      });
    });
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
      return { entry: { ...draft, id }, settled: settledOf(id) };
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
