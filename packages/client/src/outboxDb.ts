import { Dexie, type Table } from 'dexie';
import type { StoredEvent } from '@eventlane/contracts';
import type { OutboxEntry, OutboxError } from './types.js';

/** A stream as last read from the server, so that it can be browsed offline. */
export interface CachedStream {
  store: string;
  streamId: string;
  events: StoredEvent[];
  currentStreamVersion: number;
  /** When the server was last asked (ms since epoch); the cache's age is `now - fetchedAt`. */
  fetchedAt: number;
}

/** Sync state every tab shares (kept in IndexedDB so that every tab shows the same status). */
export interface SharedSyncState {
  paused: 'manual' | 'auth' | null;
  lastSyncAt: number | null;
  lastError: OutboxError | null;
  /** The latest request outcome: a response means online, a network error offline. */
  reachability: { online: boolean; at: number } | null;
}

export interface MetaRow {
  key: 'sync';
  value: SharedSyncState;
}

export const INITIAL_SYNC_STATE: SharedSyncState = { paused: null, lastSyncAt: null, lastError: null, reachability: null };

/**
 * The client's IndexedDB database. Schema changes go in a new `this.version(n)` block with an
 * `upgrade()` for the data, never by editing an old one: browsers keep databases across releases.
 */
export class OutboxDb extends Dexie {
  outbox!: Table<OutboxEntry, number>;
  streamCache!: Table<CachedStream, [string, string]>;
  meta!: Table<MetaRow, string>;

  constructor(name: string, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    this.version(1).stores({
      // `++id` gives the FIFO order; `[store+streamId+id]` walks one stream's queue in order.
      outbox: '++id, state, [store+streamId+id]',
      streamCache: '[store+streamId]',
      meta: 'key',
    });
  }

  async readSyncState(): Promise<SharedSyncState> {
    const row = await this.meta.get('sync');
    return row?.value ?? INITIAL_SYNC_STATE;
  }

  /** Read-modify-write of the shared sync state in one transaction. */
  async updateSyncState(change: (state: SharedSyncState) => Partial<SharedSyncState>): Promise<void> {
    await this.transaction('rw', this.meta, async () => {
      const current = await this.readSyncState();
      await this.meta.put({ key: 'sync', value: { ...current, ...change(current) } });
    });
  }
}
