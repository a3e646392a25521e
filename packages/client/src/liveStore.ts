import { liveQuery, type Subscription } from 'dexie';
import type { ExternalStore } from './types.js';

/** An external store whose snapshot can be brought up to date without a subscriber. */
export interface LiveStore<T> extends ExternalStore<T> {
  current(): Promise<T>;
  /** Reads the query once into the snapshot (while nobody subscribes); resolves when it is there. */
  refresh(): Promise<void>;
}

/**
 * A Dexie live query as an external store (`subscribe` + `getSnapshot`, what React's
 * `useSyncExternalStore` takes). The live query runs only while someone listens; without a
 * listener, `getSnapshot` returns the latest read and starts another one (one at a time), so it
 * never sits on the placeholder. The snapshot object changes only when a read completes, so it is
 * safe to return from `getSnapshot`.
 */
export function createLiveStore<T>(query: () => Promise<T>, initial: T, onError?: (error: unknown) => void): LiveStore<T> {
  let snapshot = initial;
  let subscription: Subscription | null = null;
  let reading: Promise<void> | null = null;
  const listeners = new Set<() => void>();
  const refresh = (): Promise<void> => {
    if (subscription) return Promise.resolve();
    reading ??= query()
      .then(
        (value) => {
          if (!subscription) snapshot = value;
        },
        (error) => onError?.(error),
      )
      .finally(() => {
        reading = null;
      });
    return reading;
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!subscription) {
        subscription = liveQuery(query).subscribe({
          next: (value) => {
            snapshot = value;
            for (const notify of [...listeners]) notify();
          },
          error: (error) => onError?.(error),
        });
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          subscription?.unsubscribe();
          subscription = null;
        }
      };
    },
    getSnapshot: () => {
      if (!subscription) void refresh();
      return snapshot;
    },
    current: query,
    refresh,
  };
}
