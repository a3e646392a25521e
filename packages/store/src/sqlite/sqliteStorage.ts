import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import type { Storage } from '../eventStore';
import { UnavailableError } from '../errors';
import { appendToStream } from './appendToStream';
import { createConnection, run, toStoreError } from './connection';
import { keyOperations } from './keys';
import { listStreams, registerRegexp } from './listStreams';
import { readStore } from './readStore';
import { readStream } from './readStream';
import { migrate } from './schema';
import { storeOperations } from './stores';

export interface SQLiteStorageOptions {
  /** Folder of the database file; created when missing. */
  dataDir: string;
  /** Default `eventlane.sqlite`. */
  fileName?: string;
  /**
   * `FULL` (default): an acknowledged append is on disk and survives a power cut.
   * `NORMAL`: in WAL mode still safe against a process crash, but the last commits may be lost
   * when the machine loses power; faster.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * How long a call waits for another process (server, CLI) to release the write lock before it
   * fails with UnavailableError. Default 5000 ms.
   */
  busyTimeoutMs?: number;
}

export const DEFAULT_SQLITE_FILE_NAME = 'eventlane.sqlite';

function open(options: SQLiteStorageOptions): BetterSqlite3.Database {
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, options.fileName ?? DEFAULT_SQLITE_FILE_NAME));
  try {
    // Set first: every statement below may already have to wait for another process.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    // WAL: readers never block the writer and see whole commits only.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
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
    db = open(options);
  } catch (error) {
    const mapped = toStoreError(error);
    throw mapped instanceof UnavailableError ? mapped : new UnavailableError('Cannot open the SQLite data file', { cause: error });
  }
  const connection = createConnection(db);
  registerRegexp(connection);
  const ping = db.prepare('SELECT 1');

  return {
    backend: 'sqlite',
    append: appendToStream(connection),
    readStream: readStream(connection),
    readStore: readStore(connection),
    listStreams: listStreams(connection),
    ...storeOperations(connection),
    ...keyOperations(connection),
    ping: () =>
      run(() => {
        ping.get();
      }),
    close: () =>
      run(() => {
        if (db.open) db.close();
      }),
  };
}
