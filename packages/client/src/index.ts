export { createEventlaneClient, type EventlaneClient, type EventlaneClientOptions, type AppendOptions } from './client';
export { InvalidAppendError, OutboxEntryStateError, OutboxStorageError } from './errors';
export { createHttpTransport, type HttpTransportOptions } from './httpTransport';
export { createTrpcReadTransport, type TrpcReadTransportOptions } from './trpcReadTransport';
export { ReadError, readAllStreamEvents, type AppendResult, type AppendTransport, type ReadTransport, type StreamPage } from './transport';
export { broadcastChannelLeader, defaultLeader, soleLeader, webLocksLeader, type BroadcastChannelLike, type LeaderElector, type LockManagerLike } from './leader';
export { browserOnlineSignal, manualOnlineSignal, systemClock } from './onlineSignal';
export { backoffDelay, parseRetryAfter, DEFAULT_BACKOFF } from './backoff';
export { OutboxDb, type CachedStream } from './outboxDb';
export type { StreamSnapshot } from './streamCache';
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
} from './types';
