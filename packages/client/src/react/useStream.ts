import { useSyncExternalStore } from 'react';
import type { EventlaneClient, StreamSnapshot } from '../index.js';

/** A stream from the offline cache at once, revalidated from the server; `fetchedAt` tells the cache's age. */
export function useStream(client: EventlaneClient, store: string, streamId: string): StreamSnapshot {
  const view = client.watchStream(store, streamId);
  return useSyncExternalStore(view.subscribe, view.getSnapshot, view.getSnapshot);
}
