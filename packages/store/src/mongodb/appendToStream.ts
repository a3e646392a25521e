import { encodeEvents, givenEventIds } from '../appendDecision.js';
import type { AppendOptions, AppendResult, NewEvent, Scope } from '../eventStore.js';
import type { MongoContext, StoreAppends } from './context.js';
import { toStoreError } from './errors.js';
import { runGroup } from './groupInsert.js';
import { storeKey } from './schema.js';

/**
 * Appends one commit document to the stream's chain. The write protocol, with no multi-document
 * transaction (NOTES.md has the whole of it):
 *
 * 1. Decide against what this process knows: the store's incarnation, the stream's version (a
 *    cache, else the stream head), and, where needed, where the request's event ids are stored
 *    (`appendDecision.ts` has the rules).
 * 2. Insert the commit with fromVersion = that version. The unique stream chain
 *    (org, store, inc, streamId, fromVersion) refuses it unless the version was the stream's real
 *    end, and on MongoDB the unique index on event ids refuses ids stored before. On a refusal:
 *    read the truth (the chain's end, the ids), decide again.
 * 3. Then, together: write the commit's marker (the sequencer gives it a global position later),
 *    move the stream head (`findOneAndUpdate` with `$max`), and read the store's incarnation
 *    again. If the store was deleted or recreated meanwhile, the commit landed in a dead
 *    incarnation that no reader sees: it is removed and the append decided again in the new one.
 * 4. Answer. The answer does not wait for the global position.
 *
 * Appends to different streams never collide, in one process or across instances. Within a
 * process, a store's appends that arrive while its previous group is being written are decided
 * together and inserted with one ordered `insertMany` (groupInsert.ts).
 */
export function appendToStream(
  ctx: MongoContext,
  scope: Scope,
  streamId: string,
  events: NewEvent[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const encoded = encodeEvents(events);
  return new Promise<AppendResult>((resolve, reject) => {
    const key = storeKey(scope);
    let appends = ctx.appends.get(key);
    if (!appends) {
      appends = { pending: [], scheduled: false };
      ctx.appends.set(key, appends);
    }
    appends.pending.push({
      streamId,
      expected: options.expectedStreamVersion,
      ids: givenEventIds(events),
      events: encoded,
      stale: false,
      confirm: false,
      lookup: false,
      attempts: 0,
      resolve,
      reject,
    });
    schedule(ctx, scope, key, appends);
  });
}

/**
 * Queues the store's next group behind the store's work in this process (groups, deleteStore),
 * unless one is queued already: that one takes every append pending when it starts.
 */
function schedule(ctx: MongoContext, scope: Scope, key: string, appends: StoreAppends): void {
  if (appends.scheduled) return;
  appends.scheduled = true;
  void ctx.queue
    .run(key, () => runGroup(ctx, scope, appends))
    .then(
      () => finish(ctx, scope, key, appends),
      (error: unknown) => {
        // runGroup settles or requeues every append itself; this is a bug guard only.
        for (const append of appends.pending.splice(0)) append.reject(toStoreError(error));
        finish(ctx, scope, key, appends);
      },
    );
}

function finish(ctx: MongoContext, scope: Scope, key: string, appends: StoreAppends): void {
  appends.scheduled = false;
  if (appends.pending.length > 0) schedule(ctx, scope, key, appends);
  else if (ctx.appends.get(key) === appends) ctx.appends.delete(key);
}

/**
 * Runs tasks one after another per key: a store's groups, and its deletion, in this process.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once the key's queued work has run. */
  idle(key: string): Promise<void> {
    return (this.tails.get(key) ?? Promise.resolve()).then(() => {});
  }
}
