import { randomUUID } from 'node:crypto';
import { MongoBulkWriteError, MongoServerError } from 'mongodb';
import { parseStreamType } from '@eventlane/contracts';
import { decideAppend, meetsExpectation, type StoredIdAt } from '../appendDecision';
import type { AppendResult, Scope } from '../eventStore';
import { UnavailableError, VersionConflictError } from '../errors';
import type { MongoContext, PendingAppend, StoreAppends } from './context';
import { isDuplicateKeyCode, isTransientCode, isTransientWriteError, toStoreError } from './errors';
import { markCommits } from './markers';
import { commitId, commitMeta, streamKey, type CommitDoc } from './schema';
import { readHandle, storeHandle } from './storeHandle';
import { chainEnd, knownVersions, moveHeads } from './streamHeads';

/** Collisions before an append gives up with UnavailableError (retryable). */
const MAX_ATTEMPTS = 100;
/** At most this many appends, and (past the first) this many events, share one insert. */
const MAX_GROUP_APPENDS = 128;
const MAX_GROUP_EVENTS = 5_000;

type Decision =
  | { kind: 'insert'; commit: CommitDoc }
  | { kind: 'answer'; result: AppendResult }
  | { kind: 'fail'; error: unknown }
  /** Decide again after reading the truth (a conflict that a stale version may explain). */
  | { kind: 'again' };

/** What the group's earlier appends add (not in the database yet). */
interface Overlay {
  versions: Map<string, number>;
  ids: Map<string, StoredIdAt>;
}

/**
 * Decides and inserts one group of a store's pending appends; answers each, or puts it back at
 * the front of the queue to decide again (after a collision, or when its decision rested on an
 * earlier append of the group that did not land).
 */
export async function runGroup(ctx: MongoContext, scope: Scope, appends: StoreAppends): Promise<void> {
  const group = takeGroup(appends.pending);
  let inc: string;
  let versions: Map<string, number>;
  let stored: Map<string, StoredIdAt>;
  try {
    await ctx.liveness.ensureAlive();
    inc = (await storeHandle(ctx, scope, { create: true }))!.inc;
    const suspect = [...new Set(group.filter((a) => a.stale).map((a) => a.streamId))];
    const truths = await Promise.all(suspect.map((id) => chainEnd(ctx, scope, inc, id)));
    versions = await knownVersions(ctx, scope, inc, group.filter((a) => !a.stale).map((a) => a.streamId));
    suspect.forEach((id, i) => versions.set(id, truths[i]!));
    // MongoDB refuses a stored id at the insert; FerretDB v1 does not, so there ids are looked up
    // first. Everywhere, a conflict is only answered once a replay is ruled out.
    const lookup = group.flatMap((a) =>
      a.ids.length > 0 && (!ctx.uniqueEventIds || a.lookup || !meetsExpectation(a.expected, versions.get(a.streamId)!)) ? a.ids : [],
    );
    stored = lookup.length > 0 ? await lookupEventIds(ctx, scope, inc, lookup) : new Map();
  } catch (error) {
    for (const a of group) a.reject(toStoreError(error));
    return;
  }

  const overlay: Overlay = { versions: new Map(), ids: new Map() };
  const decisions = group.map((append) => decide(ctx, scope, inc, append, versions, stored, overlay));
  const commits = decisions.flatMap((d) => (d.kind === 'insert' ? [d.commit] : []));
  const metas = commits.map(commitMeta);
  for (const meta of metas) ctx.book.enter(meta);

  const outcome = await insertCommits(ctx, commits);
  for (let i = 0; i < commits.length; i++) {
    if (i < outcome.committed) ctx.book.known(commits[i]!._id);
    // Refused by an index: certainly not in the database. An unknown failure: maybe (the book keeps looking).
    else if (outcome.error === null) ctx.book.leave(commits[i]!._id);
  }
  const landed = commits.slice(0, outcome.committed);

  // Together: markers, heads, and the store's incarnation read again (the fence against a delete).
  const [fence, marked, headed] = await Promise.allSettled([
    readHandle(ctx, scope),
    markCommits(ctx, ctx.book, metas.slice(0, outcome.committed)),
    moveHeads(ctx, landed),
  ]);
  if (marked.status === 'rejected') ctx.listeners.backgroundFailure('marker', toStoreError(marked.reason));
  if (headed.status === 'rejected') ctx.listeners.backgroundFailure('stream_head', toStoreError(headed.reason));
  for (const commit of landed) ctx.versions.set(streamKey(scope, inc, commit.streamId), commit.toVersion + 1);
  if (landed.length > 0) ctx.sequencers.wake(scope, inc);

  if (fence.status === 'fulfilled' && fence.value?.inc !== inc) {
    // The store was deleted (or recreated) by another instance while we wrote: what landed is in
    // a dead incarnation nobody reads. Remove it, and decide every append again in the new one.
    await removeDeadCommits(ctx, landed);
    requeue(appends, group);
    return;
  }
  if (fence.status === 'rejected') ctx.listeners.backgroundFailure('incarnation_check', toStoreError(fence.reason));

  const again: PendingAppend[] = [];
  let inserts = 0;
  group.forEach((append, i) => {
    const decision = decisions[i]!;
    if (decision.kind === 'insert') {
      const index = inserts++;
      if (index < outcome.committed) {
        append.resolve({ nextExpectedStreamVersion: decision.commit.toVersion + 1, eventsWritten: decision.commit.count });
      } else if (outcome.error !== null) append.reject(toStoreError(outcome.error));
      else {
        if (index === outcome.committed && !outcome.busy) {
          // The one the index refused: its version was stale, or its ids are stored.
          if (outcome.idsRefused) append.lookup = true;
          else append.stale = true;
        }
        again.push(append);
      }
      return;
    }
    // Decided against the commits before it in the group: valid only if they all landed.
    if (inserts > outcome.committed) {
      if (outcome.error !== null) append.reject(toStoreError(outcome.error));
      else again.push(append);
      return;
    }
    if (decision.kind === 'answer') append.resolve(decision.result);
    else if (decision.kind === 'fail') append.reject(toStoreError(decision.error));
    else {
      append.stale = true;
      again.push(append);
    }
  });
  const backoff = requeue(appends, again);
  if (backoff > 0) await new Promise((r) => setTimeout(r, backoff));
}

/** Puts appends back at the front of the queue; returns how long to wait before the next try. */
function requeue(appends: StoreAppends, again: PendingAppend[]): number {
  let backoff = 0;
  const retry: PendingAppend[] = [];
  for (const append of again) {
    append.attempts += 1;
    if (append.attempts >= MAX_ATTEMPTS) append.reject(new UnavailableError('Too many concurrent appends to this stream; retry later'));
    else {
      retry.push(append);
      // Collisions again and again (a hot stream across instances): let the others pass.
      if (append.attempts > 2) backoff = Math.max(backoff, Math.random() * Math.min(50, append.attempts * 5));
    }
  }
  appends.pending.unshift(...retry);
  return backoff;
}

/** The first pending appends, in arrival order, up to the group limits (at least one). */
function takeGroup(pending: PendingAppend[]): PendingAppend[] {
  let count = 0;
  let events = 0;
  while (count < pending.length && count < MAX_GROUP_APPENDS) {
    events += pending[count]!.events.length;
    if (count > 0 && events > MAX_GROUP_EVENTS) break;
    count++;
  }
  return pending.splice(0, count);
}

/** Decides one append against what is known plus the group's earlier appends. */
function decide(
  ctx: MongoContext,
  scope: Scope,
  inc: string,
  append: PendingAppend,
  versions: Map<string, number>,
  stored: Map<string, StoredIdAt>,
  overlay: Overlay,
): Decision {
  const { streamId, ids, events, expected } = append;
  const version = overlay.versions.get(streamId) ?? versions.get(streamId)!;
  const mine = new Map<string, StoredIdAt>();
  for (const id of ids) {
    const at = overlay.ids.get(id) ?? stored.get(id);
    if (at) mine.set(id, at);
  }
  let decision;
  try {
    decision = decideAppend({ streamId, expected, ids, eventCount: events.length, version, stored: mine });
  } catch (error) {
    // A known version is never ahead of the stream: a conflict is certain when the stream is
    // already past what was expected, or when the version was just read from the chain.
    if (error instanceof VersionConflictError && !append.stale && !certainConflict(expected, version)) return { kind: 'again' };
    return { kind: 'fail', error };
  }
  if (decision.kind === 'answer') return { kind: 'answer', result: decision.result };
  const createdAt = ctx.clock.now();
  const commit: CommitDoc = {
    _id: commitId(scope, inc, streamId, version),
    org: scope.org,
    store: scope.store,
    inc,
    streamId,
    streamType: parseStreamType(streamId),
    fromVersion: version,
    toVersion: version + events.length - 1,
    count: events.length,
    transactionId: randomUUID(),
    createdAt,
    writer: '',
    events: events.map((e) => ({
      eventId: e.eventId ?? randomUUID(),
      type: e.type,
      data: e.data,
      metadata: e.metadata,
      schemaVersion: e.schemaVersion,
    })),
  };
  overlay.versions.set(streamId, commit.toVersion + 1);
  commit.events.forEach((e, i) => overlay.ids.set(e.eventId, { streamId, position: version + i }));
  return { kind: 'insert', commit };
}

function certainConflict(expected: PendingAppend['expected'], version: number): boolean {
  if (typeof expected === 'number') return version > expected;
  return expected === 'no_stream' && version > 0;
}

interface InsertOutcome {
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
async function insertCommits(ctx: MongoContext, commits: CommitDoc[]): Promise<InsertOutcome> {
  if (commits.length === 0) return { committed: 0, idsRefused: false, error: null };
  for (const commit of commits) commit.writer = ctx.instanceId;
  try {
    if (commits.length === 1) await ctx.c.commits.insertOne(commits[0]!);
    else await ctx.c.commits.insertMany(commits, { ordered: true });
    return { committed: commits.length, idsRefused: false, error: null };
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      const first = errors.reduce((a, b) => (a.index <= b.index ? a : b));
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
async function removeDeadCommits(ctx: MongoContext, commits: CommitDoc[]): Promise<void> {
  if (commits.length === 0) return;
  const ids = commits.map((c) => c._id);
  await Promise.all([ctx.c.commits.deleteMany({ _id: { $in: ids } }), ctx.c.markers.deleteMany({ _id: { $in: ids } })]).catch(
    (error: unknown) => ctx.listeners.backgroundFailure('dead_incarnation_cleanup', toStoreError(error)),
  );
  for (const id of ids) ctx.book.leave(id);
}
