import type BetterSqlite3 from 'better-sqlite3';
import type { Storage, StorageEvents } from '../eventStore.js';
import { UnavailableError } from '../errors.js';
import { appendToStream } from './appendToStream.js';
import { createConnection, run, toStoreError } from './connection.js';
import { openDatabase, type SQLiteStorageOptions } from './database.js';
import { keyOperations } from './keys.js';
import { listStreams, registerRegexp } from './listStreams.js';
import { asJsonText } from './readEvents.js';
import { readStore } from './readStore.js';
import { readStream } from './readStream.js';
import { storeOperations } from './stores.js';
import { subscriptionOperations } from './subscriptions.js';
import { threadWriter, type ThreadWriter, type Writer } from './writerThread.js';

export { DEFAULT_SQLITE_FILE_NAME, type SQLiteStorageOptions } from './database.js';

const writers = new WeakMap<Storage, Writer>();

/** The writer behind a storage from getSQLiteStorage (for tests: a `thread` writer's worker can be stopped). */
export function writerOf(storage: Storage): Writer | ThreadWriter | undefined {
  return writers.get(storage);
}

/**
 * The embedded storage: one SQLite file in `dataDir`, shared safely by several processes.
 *
 * @example
 * const storage = await getSQLiteStorage({ dataDir: './data' });
 * await storage.append({ org: 'acme', store: 'orders' }, 'order-1', [{ type: 'order.placed', data: {} }]);
 * await storage.close();
 * @throws UnavailableError when the file cannot be opened or was written by a newer schema
 */
export async function getSQLiteStorage(options: SQLiteStorageOptions): Promise<Storage> {
  let db: BetterSqlite3.Database;
  try {
    db = openDatabase(options);
  } catch (error) {
    const mapped = toStoreError(error);
    throw mapped instanceof UnavailableError ? mapped : new UnavailableError('Cannot open the SQLite data file', { cause: error });
  }
  const connection = createConnection(db);
  registerRegexp(connection);
  const ping = db.prepare('SELECT 1');
  // Appends (and their commit's fsync) on a writer thread by default; everything else, reads above
  // all, on this thread's connection: WAL gives each read a snapshot that includes every commit
  // acknowledged before it started.
  const inline = (): Writer => ({ append: appendToStream(connection), close: () => Promise.resolve() });
  let writer: Writer;
  try {
    writer = options.writer === 'inline' ? inline() : threadWriter(options);
  } catch {
    // Run from TypeScript source without tsx next to it, a thread could not load its entry: commit here.
    writer = inline();
  }

  const listeners = new Set<Partial<StorageEvents>>();
  const storage: Storage = {
    backend: 'sqlite',
    append: async (scope, streamId, events, appendOptions) => {
      const result = await writer.append(scope, streamId, events, appendOptions);
      // The append gave its events their global positions in the same transaction.
      if (result.eventsWritten > 0) for (const listener of listeners) listener.globalOrderAdvanced?.(scope);
      return result;
    },
    waitForGlobalOrder: () => Promise.resolve(),
    watch: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    readStream: readStream(connection),
    readStore: readStore(connection),
    // The same reads, data and metadata as stored: the server splices them into its answers.
    jsonText: { readStream: readStream(connection, asJsonText), readStore: readStore(connection, asJsonText) },
    listStreams: listStreams(connection),
    ...storeOperations(connection),
    ...keyOperations(connection),
    ...subscriptionOperations(connection, options.dataDir),
    ping: () =>
      run(() => {
        ping.get();
      }),
    close: async () => {
      await writer.close();
      if (db.open) db.close();
    },
  };
  writers.set(storage, writer);
  return storage;
}
