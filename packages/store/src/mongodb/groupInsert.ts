import { randomUUID } from 'node:crypto';
import { parseStreamType } from '@eventlane/contracts';
import { decideAppend, meetsExpectation, type StoredIdAt } from '../appendDecision.js';
import type { AppendResult, Scope } from '../eventStore.js';
import { UnavailableError, VersionConflictError } from '../errors.js';
import type { MongoContext, PendingAppend, StoreAppends } from './context.js';
import { insertCommits, lookupEventIds, removeDeadCommits } from './commitWrites.js';
import { toStoreError } from './errors.js';
import { markCommits } from './markers.js';
import { commitId, commitMeta, storeKey, streamKey, type CommitDoc } from './schema.js';
import { readHandle, storeHandle } from './storeHandle.js';
import { chainEnd, knownVersions, moveHeads } from './streamHeads.js';

/** Collisions before an append gives up with UnavailableError (retryable). */
const MAX_ATTEMPTS = 100;
/** How long a store's cached versions are checked against its heads after a collision with another instance. */
const CONTENDED_MS = 30_000;
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
  try {
    await decideAndInsert(ctx, scope, appends, group);
  } catch (error) {
    // A bug guard: every append of the group is answered (settling one twice does nothing), and
    // none that was put back for another try is tried after its answer.
    for (let i = appends.pending.length - 1; i >= 0; i--) if (group.includes(appends.pending[i]!)) appends.pending.splice(i, 1);
    for (const append of group) append.reject(toStoreError(error));
  }
}

async function decideAndInsert(ctx: MongoContext, scope: Scope, appends: StoreAppends, group: PendingAppend[]): Promise<void> {
  let inc: string;
  let versions: Map<string, number>;
  /** Streams whose version was read from the chain in this group (the truth, not a lower bound). */
  let suspect: string[];
  let stored: Map<string, StoredIdAt>;
  try {
    await ctx.liveness.ensureAlive();
    inc = (await storeHandle(ctx, scope, { create: true }))!.inc;
    // A stream that collided once: its head has most likely moved past us (the other writer moves
    // it before answering); again: read the chain's end, the truth (a scan on FerretDB v1).
    suspect = [...new Set(group.filter((a) => a.confirm || (a.stale && a.attempts > 1)).map((a) => a.streamId))];
    const truths = await Promise.all(suspect.map((id) => chainEnd(ctx, scope, inc, id)));
    const contended = (ctx.contended.get(storeKey(scope)) ?? 0) > Date.now() || group.some((a) => a.stale);
    versions = await knownVersions(ctx, scope, inc, group.filter((a) => !suspect.includes(a.streamId)).map((a) => a.streamId), contended);
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
  const verified = new Set(suspect);
  const decisions = group.map((append) => decide(ctx, scope, inc, append, versions, verified, stored, overlay));
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
          else {
            append.stale = true;
            // Another instance writes this store too: from now on, check cached versions against the heads.
            ctx.contended.set(storeKey(scope), Date.now() + CONTENDED_MS);
          }
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
      append.confirm = true;
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
  verified: Set<string>,
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
    if (error instanceof VersionConflictError && !verified.has(streamId) && !certainConflict(expected, version)) return { kind: 'again' };
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
