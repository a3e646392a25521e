import Database from 'better-sqlite3';
import type { AppendResult } from '../eventStore.js';
import {
  DuplicateEventIdError,
  StoreError,
  UnavailableError,
  VersionConflictError,
  type ExpectedVersionForConflict,
  type StoreErrorCode,
} from '../errors.js';
import type { AppendRequest, Outcome } from './appendToStream.js';
import type { SQLiteStorageOptions } from './database.js';

/**
 * The messages between the storage (main thread) and its writer thread. Everything here is plain
 * data: errors cross as descriptions and are rebuilt as the same classes with the same fields.
 */
/** `append` carries every append made during one turn of the caller's event loop. */
export type ToWriter = { type: 'append'; appends: Array<{ id: number; request: AppendRequest }> } | { type: 'close' };
export type FromWriter = { type: 'outcomes'; ids: number[]; outcomes: WireOutcome[] };

export interface WriterData {
  options: SQLiteStorageOptions;
}

interface WireCause {
  name: string;
  message: string;
  code?: string;
}

type WireError =
  | { kind: 'conflict'; expected: ExpectedVersionForConflict; current: number }
  | { kind: 'duplicate'; eventIds: string[] }
  | { kind: 'store'; code: StoreErrorCode; message: string; cause?: WireCause }
  | { kind: 'other'; name: string; message: string; stack?: string };

export type WireOutcome = { ok: true; result: AppendResult } | { ok: false; error: WireError };

function causeToWire(cause: unknown): WireCause | undefined {
  if (!(cause instanceof Error)) return undefined;
  const code = (cause as { code?: unknown }).code;
  return { name: cause.name, message: cause.message, ...(typeof code === 'string' ? { code } : {}) };
}

function causeFromWire(cause: WireCause | undefined): Error | undefined {
  if (!cause) return undefined;
  if (cause.name === 'SqliteError' && cause.code !== undefined) return new Database.SqliteError(cause.message, cause.code);
  const error = new Error(cause.message);
  error.name = cause.name;
  return error;
}

function errorToWire(error: unknown): WireError {
  if (error instanceof VersionConflictError) return { kind: 'conflict', expected: error.expected, current: error.current };
  if (error instanceof DuplicateEventIdError) return { kind: 'duplicate', eventIds: error.eventIds };
  if (error instanceof StoreError) {
    const cause = causeToWire(error.cause);
    return { kind: 'store', code: error.code, message: error.message, ...(cause ? { cause } : {}) };
  }
  if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { kind: 'other', name: 'Error', message: String(error) };
}

export function errorFromWire(error: WireError): Error {
  switch (error.kind) {
    case 'conflict':
      return new VersionConflictError(error.expected, error.current);
    case 'duplicate':
      return new DuplicateEventIdError(error.eventIds);
    case 'store': {
      const cause = causeFromWire(error.cause);
      const options = cause ? { cause } : undefined;
      return error.code === 'UNAVAILABLE' ? new UnavailableError(error.message, options) : new StoreError(error.code, error.message, options);
    }
    case 'other': {
      // A bug on the writer's side (not a driver error: those arrive as StoreErrors): keep its name, text and stack.
      const rebuilt = error.name === 'TypeError' ? new TypeError(error.message) : new Error(error.message);
      rebuilt.name = error.name;
      if (error.stack !== undefined) rebuilt.stack = error.stack;
      return rebuilt;
    }
  }
}

export const outcomeToWire = (outcome: Outcome): WireOutcome =>
  outcome.ok ? outcome : { ok: false, error: errorToWire(outcome.error) };
