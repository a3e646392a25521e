import { MongoError, MongoServerError } from 'mongodb';
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
