import { Dexie } from 'dexie';
import type { StoredEvent } from '@eventlane/contracts';
import { createLiveStore } from './liveStore.js';
import type { CachedStream, OutboxDb } from './outboxDb.js';
import { ReadError, readAllStreamEvents, type ReadTransport } from './transport.js';
import type { Clock, ExternalStore } from './types.js';

export interface StreamSnapshot {
  store: string;
  streamId: string;
  events: StoredEvent[];
  currentStreamVersion: number;
  /** When the server was last read for this stream; `null`: never (nothing cached). Age = `now - fetchedAt`. */
  fetchedAt: number | null;
  /** A read is under way. */
  revalidating: boolean;
  /** Why the latest read failed (the cached data is still shown). */
  error: Error | null;
}

/**
 * Streams read from the server, kept in IndexedDB so that a stream viewed once can be browsed
 * offline: stale-while-revalidate. Streams only grow, so a refresh asks only for the events past
 * the cached version.
 */
export class StreamCache {
  private readonly stores = new Map<string, ExternalStore<StreamSnapshot>>();
  private readonly reads = new Map<string, Promise<CachedStream>>();
  private readonly status = new Map<string, { revalidating: boolean; error: Error | null; listeners: Set<() => void> }>();

  constructor(
    private readonly db: OutboxDb,
    private readonly reader: () => ReadTransport,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly pageSize = 1000,
    /** Offline (by the online signal), a read does not ask the server: it fails at once and the cache stands. */
    private readonly isOnline: () => boolean = () => true,
  ) {}

  /** The cached stream, if any, without asking the server. */
  async cached(store: string, streamId: string): Promise<CachedStream | undefined> {
    return this.db.streamCache.get([store, streamId]);
  }

  /** Asks the server for events past the cached version and caches the result. Throws `ReadError`. */
  refresh(store: string, streamId: string): Promise<CachedStream> {
    // One read at a time per stream, so that a slow earlier read cannot overwrite a newer one.
    const key = `${store}\u0000${streamId}`;
    const run = (this.reads.get(key) ?? Promise.resolve()).catch(() => undefined).then(() => this.read(store, streamId));
    this.reads.set(key, run);
    return run;
  }

  private async read(store: string, streamId: string): Promise<CachedStream> {
    const state = this.statusOf(store, streamId);
    this.setStatus(store, streamId, { revalidating: true, error: state.error });
    try {
      if (!this.isOnline()) throw new ReadError('network', 'Offline: the server was not asked');
      const cached = await this.cached(store, streamId);
      const from = cached?.currentStreamVersion ?? 0;
      const fresh = await readAllStreamEvents(this.reader(), store, streamId, from, this.pageSize);
      const events = [...(cached?.events ?? []), ...fresh.filter((event) => event.streamPosition >= from)];
      const last = events[events.length - 1];
      const row: CachedStream = { store, streamId, events, currentStreamVersion: last ? last.streamPosition + 1 : 0, fetchedAt: this.clock.now() };
      await this.db.streamCache.put(row);
      this.setStatus(store, streamId, { revalidating: false, error: null });
      return row;
    } catch (error) {
      this.setStatus(store, streamId, { revalidating: false, error: error as Error });
      throw error;
    }
  }

  /**
   * A live view of one stream: cached data at once, revalidated when the first listener
   * subscribes and whenever an append to this stream syncs (from any tab).
   */
  watch(store: string, streamId: string): ExternalStore<StreamSnapshot> {
    const key = `${store}\u0000${streamId}`;
    const existing = this.stores.get(key);
    if (existing) return existing;
    const empty: StreamSnapshot = { store, streamId, events: [], currentStreamVersion: 0, fetchedAt: null, revalidating: false, error: null };
    const rows = createLiveStore(async () => (await this.cached(store, streamId)) ?? null, null as CachedStream | null);
    const synced = createLiveStore(
      () => this.db.outbox.where('[store+streamId+id]').between([store, streamId, Dexie.minKey], [store, streamId, Dexie.maxKey]).filter((entry) => entry.state === 'synced').count(),
      -1,
    );
    let stopSynced: (() => void) | null = null;
    let snapshot = empty;
    let lastRow: CachedStream | null = null;
    let lastStatus = this.statusOf(store, streamId);
    const compute = () => {
      const row = rows.getSnapshot();
      const status = this.statusOf(store, streamId);
      if (row !== lastRow || status.revalidating !== lastStatus.revalidating || status.error !== lastStatus.error || snapshot === empty) {
        lastRow = row;
        lastStatus = { ...status };
        snapshot = row ? { ...row, revalidating: status.revalidating, error: status.error } : { ...empty, revalidating: status.revalidating, error: status.error };
      }
      return snapshot;
    };
    const view: ExternalStore<StreamSnapshot> = {
      subscribe: (listener) => {
        const status = this.statusOf(store, streamId);
        status.listeners.add(listener);
        const stop = rows.subscribe(listener);
        if (status.listeners.size === 1) {
          const revalidate = () => this.refresh(store, streamId).catch(() => undefined); // the error shows in the snapshot
          void revalidate();
          let seen: number | null = null;
          stopSynced = synced.subscribe(() => {
            const count = synced.getSnapshot();
            if (seen !== null && count > seen) void revalidate();
            seen = count;
          });
        }
        return () => {
          status.listeners.delete(listener);
          stop();
          if (status.listeners.size === 0) {
            stopSynced?.();
            stopSynced = null;
          }
        };
      },
      getSnapshot: compute,
    };
    this.stores.set(key, view);
    return view;
  }

  private statusOf(store: string, streamId: string) {
    const key = `${store}\u0000${streamId}`;
    let status = this.status.get(key);
    if (!status) {
      status = { revalidating: false, error: null, listeners: new Set() };
      this.status.set(key, status);
    }
    return status;
  }

  private setStatus(store: string, streamId: string, change: { revalidating: boolean; error: Error | null }): void {
    const status = this.statusOf(store, streamId);
    status.revalidating = change.revalidating;
    status.error = change.error;
    for (const notify of [...status.listeners]) notify();
  }
}
