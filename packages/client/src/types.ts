import type { AppendResponse, EventInput, ExpectedStreamVersion, Limits, ValidationIssue } from '@eventlane/contracts';

/**
 * Where an outbox entry is in its life:
 * - `pending`: waiting to be sent (possibly after a backoff, see `nextAttemptAt`);
 * - `syncing`: in flight on the syncing tab;
 * - `synced`: the server stored it (or had stored it already: an idempotent replay);
 * - `conflict`: the stream was not at the expected version; the stream's queue stops here until
 *   the entry is rebased, edited, retried or discarded;
 * - `rejected`: the server refused it for good (400, or 413 for a single append);
 * - `paused`: the API key was refused (401/403); sync waits for `setApiKey`.
 */
export type OutboxState = 'pending' | 'syncing' | 'synced' | 'conflict' | 'rejected' | 'paused';

/** An event as it sits in the outbox: its `eventId` is fixed at enqueue, so a resend is idempotent. */
export type QueuedEvent = EventInput & { eventId: string };

export interface OutboxError {
  /** What went wrong, as a machine-readable kind; never derived from a server message. */
  kind: 'network' | 'http' | 'version_conflict' | 'duplicate_event_id' | 'invalid' | 'unauthorized' | 'too_large' | 'quota' | 'internal';
  message: string;
  /** HTTP status when there was a response. */
  status?: number;
  /** 400: the server's zod issues. */
  details?: ValidationIssue[];
  /** 409 duplicate id: the ids the server named. */
  eventIds?: string[];
  at: number;
}

export interface OutboxEntry {
  /** Auto-incremented per client database: the order appends were made in. */
  id: number;
  store: string;
  streamId: string;
  events: QueuedEvent[];
  /** `undefined` means "any" (no check), as in the append endpoint. */
  expectedStreamVersion?: ExpectedStreamVersion;
  state: OutboxState;
  /** How many times this entry has been sent. */
  attempts: number;
  lastError: OutboxError | null;
  /** Set once synced: the server's answer, per entry even when sent coalesced. */
  result: AppendResponse | null;
  /** Set in `conflict`: the stream's version the server reported. */
  currentVersion: number | null;
  createdAt: number;
  updatedAt: number;
  /** Not sent before this time (ms since epoch, from the injected clock). */
  nextAttemptAt: number;
  /** Fencing token of the sync run that holds this entry while `syncing`; results of any other run are ignored. */
  syncToken: string | null;
}

export type SettledOutcome =
  | { state: 'synced'; entry: OutboxEntry; result: AppendResponse }
  | { state: 'rejected'; entry: OutboxEntry; error: OutboxError | null }
  | { state: 'discarded'; id: number };

export interface QueuedAppend {
  /** The entry as written to IndexedDB, before any network activity. */
  entry: OutboxEntry;
  /** Resolves (never rejects) once the entry is synced, rejected or discarded. A conflict is not final: it waits for the operator. */
  settled: Promise<SettledOutcome>;
}

export interface SyncStatus {
  /** Latest of the online signal and the outcome of the latest request (a response of any status means online). */
  online: boolean;
  /** This tab holds the sync lock. */
  isLeader: boolean;
  /** An append is in flight (in any tab). */
  syncing: boolean;
  /** Entries still to be sent: pending, syncing or paused. */
  pendingCount: number;
  conflictCount: number;
  rejectedCount: number;
  /** Why sync is stopped, if it is: by `pause()` or by a 401/403. */
  paused: 'manual' | 'auth' | null;
  lastSyncAt: number | null;
  lastError: OutboxError | null;
  /** Result of `navigator.storage.persist()`; `null` when unknown or unavailable. */
  persisted: boolean | null;
}

/** The environment's online signal (e.g. `navigator.onLine` and its events); injected so tests can go offline. */
export interface OnlineSignal {
  isOnline(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Time, injected so that backoff can be tested with a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BackoffOptions {
  /** First retry waits up to this long. */
  baseMs: number;
  /** No retry waits longer than this (Retry-After aside). */
  maxMs: number;
}

export type ClientLimits = Pick<Limits, 'maxBodyBytes' | 'maxEventsPerAppend' | 'maxJsonDepth' | 'maxPageSize'>;

/** Subscribe + snapshot, the shape `useSyncExternalStore` takes. */
export interface ExternalStore<T> {
  subscribe(listener: () => void): () => void;
  getSnapshot(): T;
}
