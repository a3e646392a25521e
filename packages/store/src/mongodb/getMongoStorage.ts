import { MongoClient } from 'mongodb';
import type { Storage } from '../eventStore';
import { UnavailableError } from '../errors';
import { appendToStream } from './appendToStream';
import { KeyedQueue, StoreStates, type MongoContext } from './context';
import { guard, toStoreError } from './errors';
import { mongoKeyStore } from './keys';
import { listStreams } from './listStreams';
import { readStore } from './readStore';
import { readStream } from './readStream';
import { collections, ensureSchema } from './schema';
import { ensureSubscriptionIndexes, mongoSubscriptionStore, subscriptionCollections } from './subscriptions';
import { countEventsByType, countEventsPerMinute, createStore, deleteStore, getStore, headGlobalPosition, listStores } from './stores';

export interface MongoStorageOptions {
  /** `mongodb://…`; ignored when `client` is given. */
  uri: string;
  /** Defaults to `eventlane`. */
  dbName?: string;
  /** A client owned by the caller: `close()` leaves it open. */
  client?: MongoClient;
  /**
   * Stores up to this many events are kept whole in memory per process (event ids and stream
   * versions), so an append is one insert; bigger ones ask the database. Default 20 000.
   */
  maxSnapshotEvents?: number;
}

/** How long an operation waits for an unreachable server before it fails as UnavailableError. */
const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 750;

/**
 * Storage on MongoDB (or a MongoDB-wire server such as FerretDB v1) with the official driver and
 * no multi-document transactions. Connects and creates the indexes before it resolves.
 *
 * @throws UnavailableError when the server cannot be reached
 * @example
 * const storage = await getMongoStorage({ uri: 'mongodb://127.0.0.1:27017', dbName: 'eventlane' });
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
  const ctx: MongoContext = {
    c: collections(db),
    states: new StoreStates(),
    queue: new KeyedQueue(),
    appends: new Map(),
    headWrites: new Map(),
    maxSnapshotEvents: options.maxSnapshotEvents ?? 20_000,
  };
  const subscriptions = subscriptionCollections(db);
  try {
    await ensureSchema(ctx.c);
    await ensureSubscriptionIndexes(subscriptions);
  } catch (error) {
    if (owned) await client.close().catch(() => {});
    const mapped = toStoreError(error);
    throw mapped instanceof UnavailableError ? mapped : new UnavailableError('MongoDB could not be prepared', { cause: error });
  }

  return {
    backend: 'mongodb',
    append: (scope, streamId, events, appendOptions) => appendToStream(ctx, scope, streamId, events, appendOptions),
    readStream: (scope, streamId, readOptions) => readStream(ctx, scope, streamId, readOptions),
    readStore: (scope, readOptions) => readStore(ctx, scope, readOptions),
    listStreams: (scope, listOptions) => listStreams(ctx, scope, listOptions),
    createStore: (scope, storeOptions) => createStore(ctx, scope, storeOptions),
    getStore: (scope) => getStore(ctx, scope),
    listStores: (org, page) => listStores(ctx, org, page),
    deleteStore: (scope) => deleteStore(ctx, scope),
    countEventsByType: (scope) => countEventsByType(ctx, scope),
    countEventsPerMinute: (scope, since) => countEventsPerMinute(ctx, scope, since),
    headGlobalPosition: (scope) => headGlobalPosition(ctx, scope),
    ...mongoKeyStore(ctx),
    ...mongoSubscriptionStore(subscriptions),
    ping: () =>
      guard(async () => {
        await db.command({ ping: 1 });
      }),
    close: async () => {
      if (owned) await client.close();
    },
  };
}
