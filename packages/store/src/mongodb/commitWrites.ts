import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import type { StoredIdAt } from '../appendDecision.js';
import type { Scope } from '../eventStore.js';
import type { MongoContext } from './context.js';
import { isDuplicateKeyCode, isTransientCode, isTransientWriteError, toStoreError, writeErrorsOf } from './errors.js';
import type { CommitDoc } from './schema.js';

export interface InsertOutcome {
  /** The commits before this index are in the database. */
  committed: number;
  /** The refused commit collided on the event-id index (else on the stream chain). */
  idsRefused: boolean;
  /** Not a collision: the commits from `committed` on may or may not be in. */
  error: unknown;
  /** The server refused the commit at `committed` for now (nothing of it written): it tries again as it was. */
  busy?: boolean;
}


/** One ordered insert: it stops at the first refused commit; those before it are in. */
export async function insertCommits(ctx: MongoContext, commits: CommitDoc[]): Promise<InsertOutcome> {
  if (commits.length === 0) return { committed: 0, idsRefused: false, error: null };
  for (const commit of commits) commit.writer = ctx.instanceId;
  try {
    if (commits.length === 1) await ctx.c.commits.insertOne(commits[0]!);
    else await ctx.c.commits.insertMany(commits, { ordered: true });
    return { committed: commits.length, idsRefused: false, error: null };
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const first = writeErrorsOf(error)[0];
      // Failed as a whole (network, write concern): which commits landed is unknown.
      if (!first) return { committed: 0, idsRefused: false, error };
      if (isDuplicateKeyCode(first.code)) return { committed: first.index, idsRefused: onEventIds(first.errmsg, undefined), error: null };
      // Refused for now (FerretDB's SQLITE_BUSY): the ones before it are in; the rest simply try again.
      if (isTransientCode(first.code, first.errmsg)) {
        return { committed: first.index, idsRefused: false, error: null, busy: true };
      }
      return { committed: first.index, idsRefused: false, error };
    }
    if (error instanceof MongoServerError && isDuplicateKeyCode(error.code)) {
      return { committed: 0, idsRefused: onEventIds(error.errmsg, error), error: null };
    }
    if (isTransientWriteError(error)) return { committed: 0, idsRefused: false, error: null, busy: true };
    return { committed: 0, idsRefused: false, error };
  }
}

/** Whether a duplicate-key error names the event-id index (MongoDB says which index refused). */
function onEventIds(message: string | undefined, error: unknown): boolean {
  const pattern = (error as { keyPattern?: Record<string, unknown> } | undefined)?.keyPattern;
  return (pattern !== undefined && 'events.eventId' in pattern) || (message ?? '').includes('event_ids');
}

/** Where the given ids are stored in the store incarnation: one query for the whole group. */
export async function lookupEventIds(ctx: MongoContext, scope: Scope, inc: string, ids: string[]): Promise<Map<string, StoredIdAt>> {
  const wanted = [...new Set(ids)];
  const hits = await ctx.c.commits
    .find(
      { org: scope.org, store: scope.store, inc, 'events.eventId': { $in: wanted } },
      { projection: { _id: 0, streamId: 1, fromVersion: 1, 'events.eventId': 1 } },
    )
    .limit(wanted.length)
    .toArray();
  const want = new Set(wanted);
  const stored = new Map<string, StoredIdAt>();
  for (const hit of hits) {
    hit.events.forEach((e, i) => {
      if (want.has(e.eventId)) stored.set(e.eventId, { streamId: hit.streamId, position: hit.fromVersion + i });
    });
  }
  return stored;
}

/** Commits that landed in a dead incarnation: nobody reads them; take them and their markers away. */
export async function removeDeadCommits(ctx: MongoContext, commits: CommitDoc[]): Promise<void> {
  if (commits.length === 0) return;
  const ids = commits.map((c) => c._id);
  await Promise.all([ctx.c.commits.deleteMany({ _id: { $in: ids } }), ctx.c.markers.deleteMany({ _id: { $in: ids } })]).catch(
    (error: unknown) => ctx.listeners.backgroundFailure('dead_incarnation_cleanup', toStoreError(error)),
  );
  for (const id of ids) ctx.book.leave(id);
}
