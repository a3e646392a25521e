export { createEventlaneClient, type EventlaneClient, type EventlaneClientOptions, type AppendOptions } from './client.js';
export { InvalidAppendError, OutboxEntryStateError, OutboxStorageError } from './errors.js';
export { createHttpTransport, type HttpTransportOptions } from './httpTransport.js';
export { ReadError, readAllStreamEvents, type AppendResult, type AppendTransport, type ReadTransport, type StreamPage } from './transport.js';
export { broadcastChannelLeader, defaultLeader, soleLeader, syncLockName, webLocksLeader, type BroadcastChannelLike, type LeaderElector, type LockManagerLike } from './leader.js';
export { browserOnlineSignal, manualOnlineSignal, systemClock } from './onlineSignal.js';
export { backoffDelay, parseRetryAfter, DEFAULT_BACKOFF } from './backoff.js';
export { OutboxDb, type CachedStream } from './outboxDb.js';
export { OUTBOX_TRANSITIONS, INITIAL_STATE, IllegalTransitionError, canTake, nextState, type OutboxEvent } from './outboxMachine.js';
export type { StreamSnapshot } from './streamCache.js';
export type {
  BackoffOptions,
  ClientLimits,
  Clock,
  ExternalStore,
  OnlineSignal,
  OutboxEntry,
  OutboxError,
  OutboxState,
  QueuedAppend,
  QueuedEvent,
  SettledOutcome,
  SyncStatus,
} from './types.js';
