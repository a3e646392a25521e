/**
 * The closed set of failures an adapter may report. Adapters translate driver errors
 * (E11000, SQLITE_CONSTRAINT, connection loss) into these; nothing above an adapter sees a
 * driver error. apps/server maps each code to HTTP and tRPC in one table.
 */
export type StoreErrorCode =
  | 'VERSION_CONFLICT'
  | 'DUPLICATE_EVENT_ID'
  | 'UNAVAILABLE'
  | 'EVENT_STORE_EXISTS'
  | 'EVENT_STORE_NOT_FOUND'
  | 'ORGANIZATION_EXISTS'
  | 'ORGANIZATION_NOT_FOUND'
  | 'API_KEY_NOT_FOUND'
  | 'SUBSCRIPTION_LIMIT';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

export type ExpectedVersionForConflict = number | 'no_stream' | 'stream_exists';

/** The stream was not where the append expected it. Nothing was written. */
export class VersionConflictError extends StoreError {
  constructor(
    readonly expected: ExpectedVersionForConflict,
    readonly current: number,
  ) {
    super('VERSION_CONFLICT', `Expected version ${String(expected)} but stream is at version ${current}`);
    this.name = 'VersionConflictError';
  }
}

/** Some but not all event ids of an append are stored already, or stored elsewhere. Nothing was written. */
export class DuplicateEventIdError extends StoreError {
  constructor(readonly eventIds: string[]) {
    super('DUPLICATE_EVENT_ID', `Event ids already stored: ${eventIds.join(', ')}`);
    this.name = 'DuplicateEventIdError';
  }
}

/** Storage could not be reached or failed; the operation may be retried. Nothing was half-written. */
export class UnavailableError extends StoreError {
  constructor(message = 'Storage is unavailable', options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
    this.name = 'UnavailableError';
  }
}

export function isStoreError(error: unknown, code?: StoreErrorCode): error is StoreError {
  return error instanceof StoreError && (code === undefined || error.code === code);
}
