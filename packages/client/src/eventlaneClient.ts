import type { Dexie } from 'dexie';
import type { EventInput, ExpectedStreamVersion } from '@eventlane/contracts';
import type { BroadcastChannelLike, LeaderElector } from './leader.js';
import type { OutboxDb } from './outboxDb.js';
import type { StreamSnapshot } from './streamCache.js';
import type { AppendTransport, ReadTransport } from './transport.js';
import type { BackoffOptions, ClientLimits, Clock, ExternalStore, OnlineSignal, OutboxEntry, QueuedAppend, SettledOutcome, SyncStatus } from './types.js';

export interface EventlaneClientOptions {
  /** The server, e.g. `https://events.example.com`. */
  baseUrl: string;
  apiKey: string;
  /** The IndexedDB database holding the outbox and the read cache; one per app and key owner. */
  dbName: string;
  fetch?: typeof fetch;
  /**
   * Defaults to `navigator.onLine` and its events. While it says offline the client makes no
   * request at all (no probe: `navigator.onLine === false` means no network); its `online` event
   * sends what waits at once.
   */
  online?: OnlineSignal;
  clock?: Clock;
  /** In [0, 1), for backoff jitter. */
  random?: () => number;
  /** Streams synced at the same time (default 4). */
  maxParallelStreams?: number;
  /** The server's limits, for coalescing and early validation (default: the spec's). */
  limits?: Partial<ClientLimits>;
  backoff?: Partial<BackoffOptions>;
  /**
   * Who syncs: defaults to Web Locks, else a BroadcastChannel election, else this context alone.
   * Outside a browser, clients sharing one database (e.g. one per simulated tab) share a lock
   * manager: `webLocksLeader(syncLockName(dbName), locks)`, with `FakeLocks` from `@eventlane/client/testing`.
   */
  leader?: LeaderElector;
  /**
   * Carries a key given to `setApiKey` to the other tabs (the syncing one may be another tab). It
   * is kept in memory only, never in IndexedDB. Defaults to a BroadcastChannel in a browser page;
   * `null` turns it off.
   */
  keyChannel?: BroadcastChannelLike | null;
  /** Replaces the REST append transport (e.g. in tests). */
  transport?: AppendTransport;
  /** Replaces the reads; the default is the REST read API (`createHttpTransport`), the same routes as the published product's. */
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
  /**
   * Resolves once `outbox.getSnapshot()` and `status.getSnapshot()` hold the database's state (a
   * few milliseconds after creation): await it before a first render that must not show
   * "0 pending" while entries wait. Without a subscriber, each `getSnapshot()` also starts a
   * fresh read, so the snapshots keep up.
   */
  readonly ready: Promise<void>;
  /**
   * The final outcome of an outbox entry by id, also for one queued before a reload (as
   * `append`'s `settled`): resolves at once for an entry already synced or rejected, and with
   * `{ state: 'discarded' }` for one no longer in the outbox (discarded, or removed by `clearSynced`).
   */
  whenSettled(id: number): Promise<SettledOutcome>;
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
