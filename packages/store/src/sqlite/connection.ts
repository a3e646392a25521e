import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { StoreError, UnavailableError } from '../errors.js';

/** An open database plus a cache of prepared statements (one per distinct SQL text). */
export interface Connection {
  readonly db: BetterSqlite3.Database;
  /** Prepares `sql` on first use and reuses it afterwards; callers build a small, fixed set of shapes. */
  statement(sql: string): BetterSqlite3.Statement;
}

export function createConnection(db: BetterSqlite3.Database): Connection {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    db,
    statement(sql) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

type SqliteError = InstanceType<typeof Database.SqliteError>;

export function isSqliteError(error: unknown): error is SqliteError {
  return error instanceof Database.SqliteError;
}

export function isUniqueViolation(error: unknown): error is SqliteError {
  return (
    isSqliteError(error) &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

/**
 * Translates anything the driver throws into the store's closed error set. Busy/locked (another
 * process holds the write lock past busy_timeout), I/O, full disk, a closed handle: all are
 * "try again later". A constraint failure that reaches here is a bug in the checks above it; it is
 * still reported as retryable rather than leaking the driver's text. The driver error stays as `cause`.
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  if (isSqliteError(error)) {
    const code = error.code;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
      return new UnavailableError('Storage is busy: another writer holds the database lock', { cause: error });
    if (code.startsWith('SQLITE_FULL')) return new UnavailableError('Storage is full', { cause: error });
    return new UnavailableError('Storage failed', { cause: error });
  }
  // better-sqlite3 throws a TypeError for any call on a closed handle.
  if (error instanceof TypeError && /database connection is not open/i.test(error.message))
    return new UnavailableError('Storage is closed', { cause: error });
  return error;
}

/** Runs a synchronous driver call as a promise; driver failures come out as StoreErrors (bugs in our own code pass through as they are). */
export function run<T>(operation: () => T): Promise<T> {
  try {
    return Promise.resolve(operation());
  } catch (error) {
    return Promise.reject(toStoreError(error));
  }
}
