import type { ExpectedStreamVersion } from '@eventlane/contracts';
import type { AppendResult, Scope } from '../eventStore.js';
import { storeKey, type Collections, type CommitDoc, type EventDoc } from './schema.js';

/** The commit fields a store state needs: positions and event ids, never event data. */
export type CommitHead = Pick<CommitDoc, 'streamId' | 'fromVersion' | 'toVersion' | 'globalFrom' | 'globalTo'> & {
  events: Array<{ eventId: string }>;
};
export const COMMIT_HEAD_PROJECTION = {
  _id: 0,
  streamId: 1,
  fromVersion: 1,
  toVersion: 1,
  globalFrom: 1,
  globalTo: 1,
  'events.eventId': 1,
} as const;

export interface EventIdAt {
  streamId: string;
  position: number;
}

/**
 * What this process knows of a store's chain, so that the common append is one insert.
 *
 * Everything here describes the commits before `next`, which this process has read or written.
 * It may be stale (another instance appended since), never wrong: the next insert at `next` then
 * collides on `_id`, and the append re-reads the commits from `next` on. An insert at `next` that
 * succeeds proves the state was complete, so checks made against it (expectation, event ids) held.
 *
 * Small stores are kept whole ("snapshot": every stream's version and every event id). A store
 * past `maxSnapshotEvents` keeps only `next` and recently used stream versions and asks the
 * database for event ids and unknown streams ("lookup").
 */
export interface StoreState {
  /** The global position the next commit takes. */
  next: number;
  /** Snapshot: every stream's version. Lookup: recently used ones, each a real end when learned. */
  streams: Map<string, number>;
  /** Snapshot: every event id of the store. Lookup: null. */
  ids: Map<string, EventIdAt> | null;
  /** The store's `stores` document is known to exist. */
  storeDocExists: boolean;
}

const MAX_LOOKUP_STREAMS = 10_000;

/** Records a commit that exists in the database and starts at `state.next`. */
export function applyCommit(state: StoreState, commit: CommitHead, maxSnapshotEvents: number): void {
  state.next = commit.globalTo + 1;
  state.streams.delete(commit.streamId);
  state.streams.set(commit.streamId, commit.toVersion + 1);
  if (state.ids) {
    commit.events.forEach((e, i) => state.ids!.set(e.eventId, { streamId: commit.streamId, position: commit.fromVersion + i }));
    if (state.ids.size > maxSnapshotEvents) state.ids = null;
  }
  if (!state.ids && state.streams.size > MAX_LOOKUP_STREAMS) {
    const oldest = state.streams.keys().next();
    if (!oldest.done) state.streams.delete(oldest.value);
  }
}

/** Store states of this process, least recently used evicted first. */
export class StoreStates {
  private readonly states = new Map<string, StoreState>();
  constructor(private readonly maxStores = 500) {}

  get(scope: Scope): StoreState | undefined {
    const key = storeKey(scope);
    const state = this.states.get(key);
    if (state) {
      this.states.delete(key);
      this.states.set(key, state);
    }
    return state;
  }

  set(scope: Scope, state: StoreState): void {
    this.states.set(storeKey(scope), state);
    if (this.states.size > this.maxStores) {
      const oldest = this.states.keys().next();
      if (!oldest.done) this.states.delete(oldest.value);
    }
  }

  forget(scope: Scope): void {
    this.states.delete(storeKey(scope));
  }
}

/**
 * Runs tasks one after another per key. Appends to one store are serialised within a process:
 * they would take turns on the store chain anyway, and queueing avoids colliding with ourselves.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/** An append waiting for its store's next group insert (see appendToStream). */
export interface PendingAppend {
  streamId: string;
  expected: ExpectedStreamVersion;
  /** The ids the request carried (events without one got a fresh id in `docs`). */
  givenIds: string[];
  eventCount: number;
  docs: EventDoc[];
  /** The store's state must be brought up to date before this append decides (after a collision). */
  stale: boolean;
  attempts: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** A store's appends waiting for their turn; `scheduled` while a group of them is queued or running. */
export interface StoreAppends {
  pending: PendingAppend[];
  scheduled: boolean;
}

export interface MongoContext {
  c: Collections;
  states: StoreStates;
  queue: KeyedQueue;
  /** Per store key: appends waiting for the next group insert. */
  appends: Map<string, StoreAppends>;
  /** Per store key: stream-head writes in flight (they run outside the store's queue). */
  headWrites: Map<string, Set<Promise<void>>>;
  /** Stores with more events than this are not kept whole in memory (see StoreState). */
  maxSnapshotEvents: number;
}
