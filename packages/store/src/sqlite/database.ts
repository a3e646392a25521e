import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { migrate } from './schema.js';

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
  /**
   * Where appends are committed. `thread` (default): a worker thread with its own connection to
   * the same file, so that the commit and its fsync do not block this thread's event loop.
   * `inline`: on this thread (the commit blocks the event loop while it runs).
   */
  writer?: 'thread' | 'inline';
  /**
   * With the `thread` writer: start the thread when the storage opens (`true`; a server, whose
   * first append would otherwise wait for the thread to load, 1–2 s from TypeScript source) or
   * with the first append (default; a CLI that only reads or manages keys never starts it).
   * Either way an idle thread does not keep the process alive.
   */
  startWriterEarly?: boolean;
}

export const DEFAULT_SQLITE_FILE_NAME = 'eventlane.sqlite';

/** Opens (and if need be creates) the data file with the store's pragmas and schema. */
export function openDatabase(options: SQLiteStorageOptions): BetterSqlite3.Database {
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
