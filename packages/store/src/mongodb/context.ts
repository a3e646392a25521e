import type { ExpectedStreamVersion } from '@eventlane/contracts';
import type { EncodedEvent } from '../appendDecision.js';
import { BoundedCache } from '../boundedCache.js';
import type { AppendResult, Scope, StorageEvents } from '../eventStore.js';
import type { KeyedQueue } from './appendToStream.js';
import type { Liveness } from './liveness.js';
import type { MarkerBook } from './markers.js';
import type { Collections } from './schema.js';
import type { Sequencers } from './sequencers.js';

/** How this process knows a store: its incarnation. */
export interface StoreHandle {
  inc: string;
}

/** An append waiting for its store's next group insert (see groupInsert.ts). */
export interface PendingAppend {
  streamId: string;
  expected: ExpectedStreamVersion | undefined;
  /** The ids the request carried, in request order. */
  ids: string[];
  events: EncodedEvent[];
  /** Its insert collided on the stream chain: the version known for the stream is behind. */
  stale: boolean;
  /** A conflict to confirm against the stream chain's end (the version known may only be behind). */
  confirm: boolean;
  /** Look the ids up before deciding (the unique event-id index refused them). */
  lookup: boolean;
  attempts: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** A store's appends waiting for their turn; `scheduled` while a group of them is queued or running. */
export interface StoreAppends {
  pending: PendingAppend[];
  scheduled: boolean;
}

export interface MongoTuning {
  /** Bytes of stream versions kept per process (see BoundedCache). */
  cacheBytes: number;
  /** How long a sequencer lease lasts without renewal. */
  leaseMs: number;
  /** How often a live instance says so (crash recovery waits this long times three). */
  heartbeatMs: number;
  /** Longest wait between two looks for other instances' commits while a store's sequencer is idle. */
  maxSequencerPollMs: number;
}

export const DEFAULT_TUNING: MongoTuning = {
  cacheBytes: 16 * 1024 * 1024,
  leaseMs: 5_000,
  heartbeatMs: 1_000,
  maxSequencerPollMs: 500,
};

/** Listeners of storage events (see `Storage.watch`). */
export class Listeners {
  private readonly all = new Set<Partial<StorageEvents>>();
  add(listener: Partial<StorageEvents>): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }
  globalOrderAdvanced(scope: Scope): void {
    for (const l of this.all) l.globalOrderAdvanced?.(scope);
  }
  backgroundFailure(operation: string, error: unknown): void {
    for (const l of this.all) l.backgroundFailure?.(operation, error);
  }
}

/** Everything the adapter's modules share within one process. */
export interface MongoContext {
  c: Collections;
  /** This process's id in `instances` and in the commits it writes. */
  instanceId: string;
  /** The server enforces the unique event-id index across array elements (MongoDB; not FerretDB v1). */
  uniqueEventIds: boolean;
  tuning: MongoTuning;
  /** Per store key: its incarnation, as last seen. */
  handles: BoundedCache<StoreHandle>;
  /** Per stream key (with incarnation): a version the stream has reached (never more than its real one). */
  versions: BoundedCache<number>;
  /** Per stream key (with incarnation): the stream version up to which its commits have global positions. */
  sequenced: BoundedCache<number>;
  /**
   * Per store key: until when its cached stream versions are not trusted alone (another instance
   * appended to one of its streams lately: an insert collided), so each group reads its heads.
   */
  contended: BoundedCache<number>;
  /** Commits of this process whose marker is not written yet. */
  book: MarkerBook;
  sequencers: Sequencers;
  liveness: Liveness;
  /** Per store key: appends waiting for the next group insert. */
  appends: Map<string, StoreAppends>;
  /** Per store key: its groups and its deletion, one after another in this process. */
  queue: KeyedQueue;
  listeners: Listeners;
  /** Commit times, strictly increasing within this process (the sequencer orders commits by them). */
  clock: MonotonicClock;
}

/** `Date.now()`, but never the same or earlier twice: commits of one process get distinct, growing times. */
export class MonotonicClock {
  private last = 0;
  now(): Date {
    this.last = Math.max(Date.now(), this.last + 1);
    return new Date(this.last);
  }
}

/** The caches, bounded in bytes: `cacheBytes` split between stream versions (half), sequenced ends and incarnations. */
export function createCaches(tuning: MongoTuning): Pick<MongoContext, 'handles' | 'versions' | 'sequenced' | 'contended'> {
  return {
    handles: new BoundedCache<StoreHandle>(Math.max(64 * 1024, tuning.cacheBytes / 8), () => 48),
    contended: new BoundedCache<number>(Math.max(64 * 1024, tuning.cacheBytes / 16)),
    versions: new BoundedCache<number>(tuning.cacheBytes / 2),
    sequenced: new BoundedCache<number>((tuning.cacheBytes * 3) / 8),
  };
}
