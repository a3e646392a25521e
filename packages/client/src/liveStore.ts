import { liveQuery, type Subscription } from 'dexie';
import type { ExternalStore } from './types.js';

/**
 * A Dexie live query as an external store (`subscribe` + `getSnapshot`, what React's
 * `useSyncExternalStore` takes). The query runs only while someone listens; the snapshot object
 * changes only when the query emits, so it is safe to return from `getSnapshot`.
 */
export function createLiveStore<T>(query: () => Promise<T>, initial: T, onError?: (error: unknown) => void): ExternalStore<T> & { current(): Promise<T> } {
  let snapshot = initial;
  let subscription: Subscription | null = null;
  const listeners = new Set<() => void>();
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
    getSnapshot: () => snapshot,
    current: query,
  };
}
