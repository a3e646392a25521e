import { MongoError, MongoServerError, type MongoBulkWriteError } from 'mongodb';
import { StoreError, UnavailableError } from '../errors.js';

/** E11000: a unique index refused the write. The caller decides what the collision means. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoError && isDuplicateKeyCode(error.code);
}

/** The same for one write error of a bulk write (`MongoBulkWriteError.writeErrors[i].code`). */
export function isDuplicateKeyCode(code: unknown): boolean {
  return code === 11000 || code === 11001;
}

/** Network loss, server selection, timeouts, shutdown: worth retrying later. */
function isUnreachable(error: MongoError): boolean {
  const name = error.name;
  return (
    name === 'MongoNetworkError' ||
    name === 'MongoNetworkTimeoutError' ||
    name === 'MongoServerSelectionError' ||
    name === 'MongoTopologyClosedError' ||
    name === 'MongoNotConnectedError' ||
    name === 'MongoOperationTimeoutError' ||
    error.hasErrorLabel('RetryableWriteError') ||
    error.hasErrorLabel('TransientTransactionError')
  );
}

const SOCKET_ERROR_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH']);

function isSocketError(error: unknown): boolean {
  return error instanceof Error && SOCKET_ERROR_CODES.has(String((error as NodeJS.ErrnoException).code));
}

/**
 * Translates whatever a driver call threw into the store's closed error set, so nothing above the
 * adapter ever sees a driver error or its text. Errors that are already StoreErrors pass through;
 * errors that are not the driver's (our own bugs) are left alone.
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  // The driver (6.22) lets a raw socket error escape when it writes to a connection the server has
  // just closed (EPIPE "This socket has been ended by the other party"; seen in `pnpm outage`).
  if (isSocketError(error)) return new UnavailableError('MongoDB is unreachable', { cause: error });
  if (error instanceof MongoError) {
    if (isUnreachable(error)) return new UnavailableError('MongoDB is unreachable', { cause: error });
    const code = error instanceof MongoServerError ? ` (server code ${String(error.code)})` : '';
    return new UnavailableError(`MongoDB failed the operation${code}`, { cause: error });
  }
  return error;
}

/** Runs a storage operation and maps its failure with `toStoreError`. */
export async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toStoreError(error);
  }
}

/**
 * A write the server refused for now and rolled back: FerretDB v1 answers SQLITE_BUSY (code 1,
 * "database is locked") when two of its write transactions meet, MongoDB a WriteConflict (112)
 * outside transactions rarely. Nothing was written, so the same write may simply be sent again.
 */
export function isTransientWriteError(error: unknown): boolean {
  if (error instanceof MongoServerError && !(error.name === 'MongoBulkWriteError')) return isTransientCode(error.code, error.errmsg ?? error.message);
  if (error instanceof MongoError && error.name === 'MongoBulkWriteError') {
    const list = writeErrorsOf(error as MongoBulkWriteError);
    return list.length > 0 && list.every((e) => isTransientCode(e.code, e.errmsg));
  }
  return false;
}

/** The code (and message) of a transient refusal: WriteConflict, or FerretDB's SQLITE_BUSY. */
export function isTransientCode(code: unknown, message: string | undefined): boolean {
  return code === 112 || (code === 1 && /SQLITE_BUSY|database is locked/.test(message ?? ''));
}

/** Runs a write again (up to 6 times, with a short random pause) while the server refuses it as transient. */
export async function retryTransient<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= 6 || !isTransientWriteError(error)) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

/** One refused document of a bulk write. */
export interface WriteErrorInfo {
  index: number;
  code: number;
  errmsg?: string;
}

/**
 * The write errors of a bulk write, in index order. Empty when the bulk write failed as a whole
 * (a network error, a write concern error): then which documents landed is unknown.
 */
export function writeErrorsOf(error: MongoBulkWriteError): WriteErrorInfo[] {
  const raw = (error as unknown as { writeErrors?: WriteErrorInfo[] | WriteErrorInfo }).writeErrors;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((e) => ({ index: e.index, code: e.code, errmsg: e.errmsg })).sort((a, b) => a.index - b.index);
}
