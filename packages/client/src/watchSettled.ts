import { liveQuery } from 'dexie';
import type { OutboxDb } from './outboxDb';
import type { SettledOutcome } from './types';

/**
 * Resolves once the entry is synced, rejected or gone (discarded), whichever tab did it: Dexie's
 * live query sees changes made by other tabs. A conflict is not an outcome: it waits for the
 * operator. Never rejects; stays pending if the database is closed first.
 */
export function watchSettled(db: OutboxDb, id: number): Promise<SettledOutcome> {
  return new Promise((resolve) => {
    let done = false;
    const subscription = liveQuery(() => db.outbox.get(id)).subscribe({
      next(entry) {
        if (done) return;
        if (!entry) resolve({ state: 'discarded', id });
        else if (entry.state === 'synced' && entry.result) resolve({ state: 'synced', entry, result: entry.result });
        else if (entry.state === 'rejected') resolve({ state: 'rejected', entry, error: entry.lastError });
        else return;
        done = true;
        queueMicrotask(() => subscription.unsubscribe());
      },
      error: () => undefined, // the database closed: nothing more will settle here
    });
  });
}
