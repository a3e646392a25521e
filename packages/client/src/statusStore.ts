import { createLiveStore } from './liveStore.js';
import { INITIAL_SYNC_STATE, type OutboxDb, type SharedSyncState } from './outboxDb.js';
import type { ExternalStore, OutboxError, SyncStatus } from './types.js';

interface SharedView {
  shared: SharedSyncState;
  pendingCount: number;
  conflictCount: number;
  rejectedCount: number;
  syncing: boolean;
}

/** What only this tab knows: its online signal, whether it leads, its local errors. */
export interface LocalStatus {
  signal: { online: boolean; at: number };
  isLeader: boolean;
  persisted: boolean | null;
  localError: OutboxError | null;
}

async function readShared(db: OutboxDb): Promise<SharedView> {
  const count = (state: string) => db.outbox.where('state').equals(state).count();
  const [shared, pending, syncing, paused, conflict, rejected] = await Promise.all([
    db.readSyncState(),
    count('pending'),
    count('syncing'),
    count('paused'),
    count('conflict'),
    count('rejected'),
  ]);
  return { shared, pendingCount: pending + syncing + paused, conflictCount: conflict, rejectedCount: rejected, syncing: syncing > 0 };
}

function later(a: OutboxError | null, b: OutboxError | null): OutboxError | null {
  if (!a) return b;
  if (!b) return a;
  return b.at >= a.at ? b : a;
}

export function combineStatus(view: SharedView, local: LocalStatus): SyncStatus {
  const reach = view.shared.reachability;
  // The newest observation wins: a response after an `offline` event means online, and the other way round.
  const online = reach && reach.at >= local.signal.at ? reach.online : local.signal.online;
  return {
    online,
    isLeader: local.isLeader,
    syncing: view.syncing,
    pendingCount: view.pendingCount,
    conflictCount: view.conflictCount,
    rejectedCount: view.rejectedCount,
    paused: view.shared.paused,
    lastSyncAt: view.shared.lastSyncAt,
    // A local error (IndexedDB refused a write) is over once a sync succeeds after it, as a shared one is.
    lastError: later(view.shared.lastError, local.localError && (view.shared.lastSyncAt ?? -Infinity) < local.localError.at ? local.localError : null),
    persisted: local.persisted,
  };
}

/** The sync status as an external store: shared parts from IndexedDB (same in every tab), local parts from this tab. */
export function createStatusStore(db: OutboxDb, local: LocalStatus, onError: (error: unknown) => void) {
  const empty: SharedView = { shared: INITIAL_SYNC_STATE, pendingCount: 0, conflictCount: 0, rejectedCount: 0, syncing: false };
  const shared = createLiveStore(() => readShared(db), empty, onError);
  const listeners = new Set<() => void>();
  let lastView: SharedView | null = null;
  let lastLocal: LocalStatus | null = null;
  let snapshot: SyncStatus = combineStatus(empty, local);

  const store: ExternalStore<SyncStatus> & { current(): Promise<SyncStatus>; refresh(): Promise<void>; localChanged(): void } = {
    subscribe(listener) {
      listeners.add(listener);
      const stop = shared.subscribe(listener);
      return () => {
        listeners.delete(listener);
        stop();
      };
    },
    getSnapshot() {
      const view = shared.getSnapshot();
      if (view !== lastView || lastLocal === null || JSON.stringify(lastLocal) !== JSON.stringify(local)) {
        lastView = view;
        lastLocal = structuredClone(local);
        snapshot = combineStatus(view, local);
      }
      return snapshot;
    },
    async current() {
      return combineStatus(await readShared(db), local);
    },
    refresh: () => shared.refresh(),
    /** Call after changing `local`. */
    localChanged() {
      for (const notify of [...listeners]) notify();
    },
  };
  return store;
}
