import { useSyncExternalStore } from 'react';
import type { EventlaneClient, SyncStatus } from '../index.js';

/** Online, syncing, pending count, last sync time, last error: the same in every tab. */
export function useSyncStatus(client: EventlaneClient): SyncStatus {
  return useSyncExternalStore(client.status.subscribe, client.status.getSnapshot, client.status.getSnapshot);
}
