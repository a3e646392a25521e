import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { Storage } from '../eventStore.js';
import { UnavailableError } from '../errors.js';
import { appendToStream, KeyedQueue } from './appendToStream.js';
import { createCaches, DEFAULT_TUNING, Listeners, MonotonicClock, type MongoContext, type MongoTuning } from './context.js';
import { guard, toStoreError } from './errors.js';
import { mongoKeyStore } from './keys.js';
import { listStreams } from './listStreams.js';
import { Liveness } from './liveness.js';
import { MarkerBook } from './markers.js';
import { toJsonTextEvent } from './pages.js';
import { readStore } from './readStore.js';
import { readStream } from './readStream.js';
import { ensureSchema, probeMultikeyUnique } from './indexes.js';
import { collections, type Durability } from './schema.js';
import { Sequencers } from './sequencers.js';
import { ensureSubscriptionIndexes, mongoSubscriptionStore, subscriptionCollections } from './subscriptions.js';
import {
  countEventsByType,
  countEventsPerMinute,
  createStore,
  deleteStore,
  getStore,
  headGlobalPosition,
  listStores,
  waitForGlobalOrder,
} from './stores.js';

export interface MongoStorageOptions {
  /** `mongodb://…`; ignored when `client` is given. */
  uri: string;
  /** Defaults to `eventlane`. */
  dbName?: string;
  /** A client owned by the caller: `close()` leaves it open. */
  client?: MongoClient;
  /**
   * Bytes of per-process cache (stream versions, sequenced ends, store incarnations), default
   * 16 MiB. A miss costs one indexed query; nothing else grows with the data.
   */
  cacheBytes?: number;
  /** Sequencer lease duration (default 5000 ms): how long a store waits when its sequencer's instance dies. */
  leaseMs?: number;
  /** Heartbeat period (default 1000 ms); an instance is presumed dead after five missed beats. */
  heartbeatMs?: number;
  /** Longest pause between two looks for other instances' commits while a store's sequencer idles (default 500 ms). */
  maxSequencerPollMs?: number;
}

/** How long an operation waits for an unreachable server before it fails as UnavailableError. */
const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 750;

/**
 * `w: "majority", j: true` for writes and `readConcern: "majority"` for reads (the reads that
 * decide replays and catch-ups must not see what a failover can roll back), unless the
 * connection string says otherwise (`w=`, `journal=`, `readConcernLevel=`).
 */
export function durabilityFor(uri: string): Durability {
  const has = (name: string) => new RegExp(`[?&]${name}=`, 'i').test(uri);
  return {
    ...(has('w') || has('journal') ? {} : { writeConcern: { w: 'majority', journal: true } }),
    ...(has('readConcernLevel') ? {} : { readConcern: { level: 'majority' } }),
  };
}

/**
 * Storage on MongoDB (or a MongoDB-wire server such as FerretDB v1) with the official driver and
 * no multi-document transactions. Connects, creates the indexes and starts this instance's
 * heartbeat before it resolves. NOTES.md has the protocol.
 *
 * @throws UnavailableError when the server cannot be reached
 * @example
 * const storage = await getMongoStorage({ uri: 'mongodb://127.0.0.1:27017/?replicaSet=rs0', dbName: 'eventlane' });
 */
export async function getMongoStorage(options: MongoStorageOptions): Promise<Storage> {
  const owned = !options.client;
  let client: MongoClient;
  try {
    // A short server selection timeout turns an unreachable database into a 503 within a second
    // (issue 6), not a 30 s hang. A `serverSelectionTimeoutMS` in the URI still wins.
    const timeoutInUri = /[?&]serverSelectionTimeoutMS=/i.test(options.uri);
    client = options.client ?? new MongoClient(options.uri, timeoutInUri ? {} : { serverSelectionTimeoutMS: DEFAULT_SERVER_SELECTION_TIMEOUT_MS });
  } catch (error) {
    // A malformed URI: still no driver error above the adapter.
    throw new UnavailableError('MongoDB URI is not valid', { cause: error });
  }
  const db = client.db(options.dbName ?? 'eventlane');
  const tuning: MongoTuning = {
    cacheBytes: options.cacheBytes ?? DEFAULT_TUNING.cacheBytes,
    leaseMs: options.leaseMs ?? DEFAULT_TUNING.leaseMs,
    heartbeatMs: options.heartbeatMs ?? DEFAULT_TUNING.heartbeatMs,
    maxSequencerPollMs: options.maxSequencerPollMs ?? DEFAULT_TUNING.maxSequencerPollMs,
  };
  const ctx = {
    c: collections(db, durabilityFor(options.client ? '' : options.uri)),
    instanceId: randomUUID(),
    uniqueEventIds: false,
    tuning,
    ...createCaches(tuning),
    appends: new Map(),
    queue: new KeyedQueue(),
    book: new MarkerBook(),
    listeners: new Listeners(),
    clock: new MonotonicClock(),
  } as Omit<MongoContext, 'sequencers' | 'liveness'> as MongoContext;
  ctx.sequencers = new Sequencers(ctx);
  ctx.liveness = new Liveness(ctx);
  const durability = durabilityFor(options.client ? '' : options.uri);
  const subscriptions = subscriptionCollections(db, durability);
  try {
    await ensureSchema(db);
    await ensureSubscriptionIndexes(subscriptions);
    ctx.uniqueEventIds = await probeMultikeyUnique(db);
    await ctx.liveness.start();
  } catch (error) {
    // The error below is what the caller needs; a failure to close the half-open client adds nothing.
    if (owned) await client.close().catch(() => undefined);
    const mapped = toStoreError(error);
    throw mapped instanceof UnavailableError ? mapped : new UnavailableError('MongoDB could not be prepared', { cause: error });
  }

  return {
    backend: 'mongodb',
    append: (scope, streamId, events, appendOptions) => appendToStream(ctx, scope, streamId, events, appendOptions),
    readStream: (scope, streamId, readOptions) => readStream(ctx, scope, streamId, readOptions),
    readStore: (scope, readOptions) => readStore(ctx, scope, readOptions),
    // Commits keep data and metadata as JSON text already: answers can splice it (issue 15).
    jsonText: {
      readStream: (scope, streamId, readOptions) => readStream(ctx, scope, streamId, readOptions, toJsonTextEvent),
      readStore: (scope, readOptions) => readStore(ctx, scope, readOptions, toJsonTextEvent),
    },
    listStreams: (scope, listOptions) => listStreams(ctx, scope, listOptions),
    createStore: (scope, storeOptions) => createStore(ctx, scope, storeOptions),
    getStore: (scope) => getStore(ctx, scope),
    listStores: (org, page) => listStores(ctx, org, page),
    deleteStore: (scope) => deleteStore(ctx, scope),
    countEventsByType: (scope) => countEventsByType(ctx, scope),
    countEventsPerMinute: (scope, since) => countEventsPerMinute(ctx, scope, since),
    headGlobalPosition: (scope) => headGlobalPosition(ctx, scope),
    waitForGlobalOrder: (scope, waitOptions) => waitForGlobalOrder(ctx, scope, waitOptions?.timeoutMs),
    watch: (listener) => ctx.listeners.add(listener),
    ...mongoKeyStore(ctx),
    ...mongoSubscriptionStore(subscriptions),
    ping: () =>
      guard(async () => {
        await db.command({ ping: 1 });
      }),
    close: async () => {
      await ctx.sequencers.close();
      await ctx.liveness.close();
      if (owned) await client.close();
    },
  };
}
