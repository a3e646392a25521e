import { MongoError, MongoServerError } from 'mongodb';
import { StoreError, UnavailableError } from '../errors';

/** E11000: a unique index refused the write. The caller decides what the collision means. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoError && (error.code === 11000 || error.code === 11001);
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

/**
 * Translates whatever a driver call threw into the store's closed error set, so nothing above the
 * adapter ever sees a driver error or its text. Errors that are already StoreErrors pass through;
 * errors that are not the driver's (our own bugs) are left alone.
 */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
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
