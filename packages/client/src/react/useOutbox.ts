import { useSyncExternalStore } from 'react';
import type { EventlaneClient, OutboxEntry } from '../index.js';

/** Every outbox entry, oldest first; re-renders when any tab changes the outbox. */
export function useOutbox(client: EventlaneClient): OutboxEntry[] {
  return useSyncExternalStore(client.outbox.subscribe, client.outbox.getSnapshot, client.outbox.getSnapshot);
}
