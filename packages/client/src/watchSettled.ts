import { Dexie } from 'dexie';
import type { OutboxDb } from './outboxDb.js';
import { keysIn, onStorageMutated, type DbMutation } from './storageMutations.js';
import type { OutboxEntry, SettledOutcome } from './types.js';

/**
 * Resolves once the entry is synced, rejected or gone (discarded), whichever tab did it: the
 * database's write notifications include other tabs' writes. A conflict is not an outcome: it
 * waits for the operator. Never rejects; stays pending if the database is closed first.
 */
export function watchSettled(db: OutboxDb, id: number): Promise<SettledOutcome> {
  let watcher = watchers.get(db);
  if (!watcher) {
    watcher = new SettledWatcher(db);
    watchers.set(db, watcher);
  }
  return watcher.watch(id);
}

/** Drops every wait on `db` (it is being closed: they stay pending, as documented) and stops listening. */
export function stopWatchingSettled(db: OutboxDb): void {
  watchers.get(db)?.stop();
  watchers.delete(db);
}

const watchers = new WeakMap<OutboxDb, SettledWatcher>();

function outcomeOf(id: number, entry: OutboxEntry | undefined): SettledOutcome | null {
  if (!entry) return { state: 'discarded', id };
  if (entry.state === 'synced' && entry.result) return { state: 'synced', entry, result: entry.result };
  if (entry.state === 'rejected') return { state: 'rejected', entry, error: entry.lastError };
  return null;
}

/**
 * One watcher per database for every waiting entry (not one live query each: with thousands
 * queued, every write would wake thousands of queries). After each write it re-reads only the
 * waiting entries whose keys the write touched, in one read.
 */
class SettledWatcher {
  private readonly waiting = new Map<number, Array<(outcome: SettledOutcome) => void>>();
  /** Waiting entries to read again: a write touched them since they were last read. */
  private readonly dirty = new Set<number>();
  private checking = false;
  private stopListening: (() => void) | null = null;

  constructor(private readonly db: OutboxDb) {}

  watch(id: number): Promise<SettledOutcome> {
    return new Promise((resolve) => {
      const resolvers = this.waiting.get(id);
      if (resolvers) resolvers.push(resolve);
      else this.waiting.set(id, [resolve]);
      this.stopListening ??= onStorageMutated(this.db, (mutation) => this.mutated(mutation));
      // The first read comes after the listener is on, so that no write is missed in between.
      this.dirty.add(id);
      void this.check();
    });
  }

  stop(): void {
    this.waiting.clear();
    this.dirty.clear();
    this.stopListening?.();
    this.stopListening = null;
  }

  private mutated(mutation: DbMutation): void {
    const touched = mutation.all ? [...this.waiting.keys()] : keysIn(mutation.part('outbox', ''), this.waiting);
    for (const id of touched) this.dirty.add(id);
    if (this.dirty.size > 0) void this.check();
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      while (this.dirty.size > 0) {
        const ids = [...this.dirty].filter((id) => this.waiting.has(id));
        this.dirty.clear();
        if (ids.length === 0) continue;
        let entries: Array<OutboxEntry | undefined>;
        try {
          entries = await Dexie.ignoreTransaction(() => this.db.outbox.bulkGet(ids));
        } catch {
          // The database closed (or cannot be read): nothing more will settle here.
          this.stop();
          return;
        }
        entries.forEach((entry, i) => {
          const id = ids[i]!;
          const outcome = outcomeOf(id, entry);
          if (!outcome) return;
          const resolvers = this.waiting.get(id) ?? [];
          this.waiting.delete(id);
          for (const resolve of resolvers) resolve(outcome);
        });
      }
    } finally {
      this.checking = false;
      if (this.waiting.size === 0 && this.stopListening) {
        this.stopListening();
        this.stopListening = null;
      }
    }
  }
}
