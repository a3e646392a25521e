import { randomUUID } from 'node:crypto';
import { MongoBulkWriteError } from 'mongodb';
import { parseStreamType, type ExpectedStreamVersion } from '@eventlane/contracts';
import type { AppendOptions, AppendResult, NewEvent, Scope } from '../eventStore.js';
import { DuplicateEventIdError, UnavailableError, VersionConflictError } from '../errors.js';
import { applyCommit, type EventIdAt, type MongoContext, type PendingAppend, type StoreAppends, type StoreState } from './context.js';
import { isDuplicateKeyCode, isDuplicateKeyError, toStoreError } from './errors.js';
import { commitId, storeKey, streamKey, type CommitDoc, type EventDoc, type StreamDoc } from './schema.js';
import { ensureStoreDoc, readStreamVersion, refresh, storeState } from './storeState.js';

/** Collisions with other instances before an append gives up with UnavailableError (retryable). */
const MAX_ATTEMPTS = 100;
/** At most this many appends, and (past the first) this many events, share one insert. */
const MAX_GROUP_APPENDS = 128;
const MAX_GROUP_EVENTS = 5_000;

/**
 * Appends one commit document. The write protocol, with no multi-document transaction:
 *
 * 1. Take this process's state of the store (see StoreState): the store's next global position
 *    G, the stream's version V and, for stores kept whole, every event id. No round trip in the
 *    common case.
 * 2. If the request carries event ids, look them up (in the state, or one query for big stores):
 *    a full in-order replay in this stream answers `eventsWritten: 0`; any other hit is a
 *    DuplicateEventIdError.
 * 3. Check the expectation against V.
 * 4. Insert the commit with `_id` (org, store, G) and fromVersion V: one round trip. `_id` and the
 *    unique index (org, store, streamId, fromVersion) refuse it unless G and V are still the ends
 *    of the store chain and the stream chain. On a collision: catch up from G, go back to 2.
 * 5. Move the stream head document forward (one round trip; a fast path for listing only),
 *    outside the store's queue: the next group's insert overlaps it.
 *
 * Group insert: a store's appends take turns on its chain, so while one group's insert is in
 * flight the next appends wait; when it is their turn they are decided together (see
 * `runGroup`), each against the state plus the commits decided before it in the group, and their
 * commits go to the database in ONE ordered `insertMany`. Every commit is still one document
 * (atomic on its own); the ordered insert stops at the first collision, so the commits before it
 * are in the database (acknowledged), and the one that collided and every append after it decide
 * again in the next group, after catching up.
 *
 * Why the chains keep the invariants: a commit takes position G only when the commit ending at G-1
 * exists, so positions have no gap or overlap (1) and a catch-up reader that sees G has every
 * position before it (6). The insert at G succeeds only if no commit took G since the state was
 * read, so the state held every commit of the store when 2 and 3 ran: the expectation (4) and the
 * event ids (5) were checked against the whole chain. In a group, an append's checks also saw the
 * commits decided before it; its answer is given only once those commits are known to be in the
 * database, otherwise it decides again.
 */
export async function appendToStream(
  ctx: MongoContext,
  scope: Scope,
  streamId: string,
  events: NewEvent[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const docs: EventDoc[] = events.map((e) => ({
    eventId: e.eventId ?? randomUUID(),
    type: e.type,
    data: JSON.stringify(e.data ?? {}),
    metadata: e.metadata == null ? null : JSON.stringify(e.metadata),
    schemaVersion: e.schemaVersion ?? null,
  }));
  return new Promise<AppendResult>((resolve, reject) => {
    const key = storeKey(scope);
    let appends = ctx.appends.get(key);
    if (!appends) {
      appends = { pending: [], scheduled: false };
      ctx.appends.set(key, appends);
    }
    appends.pending.push({
      streamId,
      expected: options.expectedStreamVersion ?? 'any',
      givenIds: events.flatMap((e) => (e.eventId ? [e.eventId] : [])),
      eventCount: events.length,
      docs,
      stale: false,
      attempts: 0,
      resolve,
      reject,
    });
    schedule(ctx, scope, key, appends);
  });
}

/**
 * Queues the store's next group in the store's queue (shared with deleteStore), unless one is
 * queued already: that one takes every append pending when it starts.
 */
function schedule(ctx: MongoContext, scope: Scope, key: string, appends: StoreAppends): void {
  if (appends.scheduled) return;
  appends.scheduled = true;
  void ctx.queue
    .run(key, () => runGroup(ctx, scope, appends))
    .then(
      () => finish(appends, key, ctx, scope),
      (error: unknown) => {
        // runGroup settles or requeues every append itself; this is a bug guard only.
        for (const append of appends.pending.splice(0)) append.reject(toStoreError(error));
        finish(appends, key, ctx, scope);
      },
    );
}

/** Lets deleteStore wait for head writes that started before its turn (see `waitForHeadWrites`). */
function trackHeadWrite(ctx: MongoContext, key: string, write: Promise<void>): void {
  let writes = ctx.headWrites.get(key);
  if (!writes) {
    writes = new Set();
    ctx.headWrites.set(key, writes);
  }
  writes.add(write);
  void write.then(() => {
    writes.delete(write);
    if (writes.size === 0 && ctx.headWrites.get(key) === writes) ctx.headWrites.delete(key);
  });
}

/**
 * Resolves once the store's head writes in flight have ended. Called in the store's queue, where
 * no new group starts: a head written after a delete would bring a deleted stream back.
 */
export async function waitForHeadWrites(ctx: MongoContext, scope: Scope): Promise<void> {
  const writes = ctx.headWrites.get(storeKey(scope));
  if (writes) await Promise.all([...writes]);
}

function finish(appends: StoreAppends, key: string, ctx: MongoContext, scope: Scope): void {
  appends.scheduled = false;
  if (appends.pending.length > 0) schedule(ctx, scope, key, appends);
  else if (ctx.appends.get(key) === appends) ctx.appends.delete(key);
}

type Decision =
  | { kind: 'insert'; commit: CommitDoc }
  | { kind: 'answer'; result: AppendResult }
  | { kind: 'fail'; error: unknown }
  /** The expectation failed against a state that was not just brought up to date. */
  | { kind: 'recheck' };

/** What the appends decided earlier in the group add to the state (not in the database yet). */
interface Overlay {
  next: number;
  streams: Map<string, number>;
  ids: Map<string, EventIdAt>;
}

/**
 * Decides and inserts one group of a store's pending appends, then starts their head writes (the
 * committed appends are answered once those end). Every other append of the group is answered or
 * put back at the front of the queue here.
 */
async function runGroup(ctx: MongoContext, scope: Scope, appends: StoreAppends): Promise<void> {
  const group = takeGroup(appends.pending);
  let state: StoreState;
  /** Where the group's event ids are stored: the state's own map, or one lookup for the whole group. */
  let storedIds: Map<string, EventIdAt>;
  try {
    state = await storeState(ctx, scope);
    await ensureStoreDoc(ctx, scope, state);
    if (group.some((a) => a.stale)) {
      // A collision or an unconfirmed conflict: catch up once for the whole group.
      await refresh(ctx, scope, state);
      if (!state.ids) for (const a of group) if (a.stale) state.streams.delete(a.streamId);
    }
    const givenIds = group.flatMap((a) => a.givenIds);
    // A store too big to be kept whole: one query for every id of the group, not one per append.
    storedIds = state.ids ?? (givenIds.length > 0 ? await storedInDatabase(ctx, scope, givenIds) : new Map());
    if (!state.ids) {
      // ...and the versions of the streams it does not know, all at once rather than one after another.
      const unknown = [...new Set(group.map((a) => a.streamId))].filter((id) => !state.streams.has(id));
      const versions = await Promise.all(unknown.map((id) => readStreamVersion(ctx, scope, id)));
      unknown.forEach((id, i) => state.streams.set(id, versions[i]!));
    }
  } catch (error) {
    for (const a of group) a.reject(toStoreError(error));
    return;
  }

  const overlay: Overlay = { next: state.next, streams: new Map(), ids: new Map() };
  const decisions: Decision[] = [];
  for (const append of group) {
    let decision: Decision;
    try {
      decision = await decide(ctx, scope, state, storedIds, overlay, append);
    } catch (error) {
      decision = { kind: 'fail', error };
    }
    decisions.push(decision);
  }

  const commits = decisions.flatMap((d) => (d.kind === 'insert' ? [d.commit] : []));
  let committed = commits.length;
  let collided = false;
  let insertError: unknown = null;
  if (commits.length > 0) {
    try {
      if (commits.length === 1) await ctx.c.commits.insertOne(commits[0]!);
      else await ctx.c.commits.insertMany(commits, { ordered: true });
    } catch (error) {
      const stop = firstWriteError(error);
      if (stop) {
        // Ordered: the commits before the first refused one are in the database, none after it.
        committed = stop.index;
        if (isDuplicateKeyCode(stop.code)) collided = true;
        else insertError = error;
      } else if (isDuplicateKeyError(error)) {
        committed = 0;
        collided = true;
      } else {
        // Unknown which commits landed (network, server): they fail; a commit that did land is
        // met by the next insert at its position, which collides and catches up.
        committed = 0;
        insertError = error;
      }
    }
  }
  for (let i = 0; i < committed; i++) applyCommit(state, commits[i]!, ctx.maxSnapshotEvents);

  const done: Array<{ append: PendingAppend; commit: CommitDoc }> = [];
  const again: PendingAppend[] = [];
  let inserts = 0;
  group.forEach((append, i) => {
    const decision = decisions[i]!;
    if (decision.kind === 'insert') {
      const index = inserts++;
      if (index < committed) done.push({ append, commit: decision.commit });
      else if (insertError !== null) append.reject(toStoreError(insertError));
      else again.push(append);
      return;
    }
    // Decided against the commits before it in the group: valid only if they all landed.
    if (inserts > committed) {
      if (insertError !== null) append.reject(toStoreError(insertError));
      else again.push(append);
      return;
    }
    if (decision.kind === 'answer') append.resolve(decision.result);
    else if (decision.kind === 'fail') append.reject(toStoreError(decision.error));
    else again.push(append);
  });

  let backoff = 0;
  const retry: PendingAppend[] = [];
  for (const append of again) {
    append.stale = true;
    append.attempts += 1;
    if (append.attempts >= MAX_ATTEMPTS) append.reject(new UnavailableError('Too many concurrent appends to this store; retry later'));
    else {
      retry.push(append);
      if (append.attempts > 2) backoff = Math.max(backoff, Math.random() * Math.min(50, append.attempts * 5));
    }
  }
  appends.pending.unshift(...retry);
  if (done.length > 0) {
    // The heads move outside the store's queue, overlapping the next group's insert. The answers
    // wait for them, so a listing right after an acknowledged append sees its version. Tracked
    // before this turn ends, so that a deleteStore queued behind it waits for them.
    const write = moveStreamHeads(ctx, done.map((d) => d.commit)).catch(() => {});
    trackHeadWrite(ctx, storeKey(scope), write);
    void write.then(() => {
      for (const d of done) d.append.resolve({ nextExpectedStreamVersion: d.commit.toVersion + 1, eventsWritten: d.commit.count });
    });
  }
  // Collisions with other instances, again and again: let them pass before the next try.
  if (collided && backoff > 0) await new Promise((r) => setTimeout(r, backoff));
}

/** The first pending appends, in arrival order, up to the group limits (at least one). */
function takeGroup(pending: PendingAppend[]): PendingAppend[] {
  let count = 0;
  let events = 0;
  while (count < pending.length && count < MAX_GROUP_APPENDS) {
    events += pending[count]!.eventCount;
    if (count > 0 && events > MAX_GROUP_EVENTS) break;
    count++;
  }
  return pending.splice(0, count);
}

/** The first write error of a bulk insert (the one that stopped an ordered insert), if any. */
function firstWriteError(error: unknown): { index: number; code: number } | null {
  if (!(error instanceof MongoBulkWriteError)) return null;
  const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  let first: { index: number; code: number } | null = null;
  for (const e of errors) if (e && (first === null || e.index < first.index)) first = { index: e.index, code: e.code };
  return first;
}

/** Decides one append against the state plus the overlay of the group's earlier commits. */
async function decide(
  ctx: MongoContext,
  scope: Scope,
  state: StoreState,
  storedIds: Map<string, EventIdAt>,
  overlay: Overlay,
  append: PendingAppend,
): Promise<Decision> {
  const { streamId, givenIds, docs, expected } = append;
  if (givenIds.length > 0) {
    const stored = storedAmong(storedIds, givenIds);
    for (const id of givenIds) {
      const at = overlay.ids.get(id);
      if (at) stored.set(id, at);
    }
    const replayedVersion = judgeEventIds(stored, streamId, givenIds, append.eventCount);
    if (replayedVersion !== null) return { kind: 'answer', result: { nextExpectedStreamVersion: replayedVersion, eventsWritten: 0 } };
  }
  const version = overlay.streams.get(streamId) ?? (await streamVersion(ctx, scope, state, streamId));
  if (docs.length === 0) return { kind: 'answer', result: { nextExpectedStreamVersion: version, eventsWritten: 0 } };
  if (!meets(expected, version)) {
    // `stale`: the state was brought up to date for this append, so the mismatch is real.
    if (append.stale) return { kind: 'fail', error: new VersionConflictError(expected as number | 'no_stream' | 'stream_exists', version) };
    return { kind: 'recheck' };
  }
  const commit: CommitDoc = {
    _id: commitId(scope, overlay.next),
    org: scope.org,
    store: scope.store,
    streamId,
    streamType: parseStreamType(streamId),
    fromVersion: version,
    toVersion: version + docs.length - 1,
    globalFrom: overlay.next,
    globalTo: overlay.next + docs.length - 1,
    count: docs.length,
    transactionId: randomUUID(),
    createdAt: new Date(),
    events: docs,
  };
  overlay.next = commit.globalTo + 1;
  overlay.streams.set(streamId, commit.toVersion + 1);
  docs.forEach((e, i) => overlay.ids.set(e.eventId, { streamId, position: commit.fromVersion + i }));
  return { kind: 'insert', commit };
}

function meets(expected: ExpectedStreamVersion, version: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return version === 0;
  if (expected === 'stream_exists') return version > 0;
  return version === expected;
}

/** A store kept whole knows every stream (absent = version 0); otherwise ask for unknown streams. */
async function streamVersion(ctx: MongoContext, scope: Scope, state: StoreState, streamId: string): Promise<number> {
  const known = state.streams.get(streamId);
  if (known !== undefined || state.ids) return known ?? 0;
  const version = await readStreamVersion(ctx, scope, streamId);
  state.streams.set(streamId, version);
  return version;
}

/** The entries of `ids` for the wanted ids. */
function storedAmong(ids: Map<string, EventIdAt>, wanted: string[]): Map<string, EventIdAt> {
  const stored = new Map<string, EventIdAt>();
  for (const id of wanted) {
    const at = ids.get(id);
    if (at) stored.set(id, at);
  }
  return stored;
}

async function storedInDatabase(ctx: MongoContext, scope: Scope, wanted: string[]): Promise<Map<string, EventIdAt>> {
  const hits = await ctx.c.commits
    .find(
      { org: scope.org, store: scope.store, 'events.eventId': { $in: wanted } },
      { projection: { _id: 0, streamId: 1, fromVersion: 1, 'events.eventId': 1 } },
    )
    .toArray();
  const want = new Set(wanted);
  const stored = new Map<string, EventIdAt>();
  for (const hit of hits) {
    hit.events.forEach((e, i) => {
      if (want.has(e.eventId)) stored.set(e.eventId, { streamId: hit.streamId, position: hit.fromVersion + i });
    });
  }
  return stored;
}

/**
 * Judges the request's ids against those already stored. Returns the stream version right after
 * them for a replay (every event has an id, all stored in this stream in request order at
 * consecutive positions); null when none is stored; otherwise throws DuplicateEventIdError naming
 * the stored ones in request order.
 */
function judgeEventIds(stored: Map<string, EventIdAt>, streamId: string, ids: string[], eventCount: number): number | null {
  const found = ids.filter((id) => stored.has(id));
  if (found.length === 0) return null;
  const first = stored.get(ids[0]!);
  const replay =
    ids.length === eventCount &&
    found.length === ids.length &&
    first !== undefined &&
    ids.every((id, i) => {
      const at = stored.get(id);
      return at !== undefined && at.streamId === streamId && at.position === first.position + i;
    });
  if (replay) return first.position + ids.length;
  throw new DuplicateEventIdError(found);
}

/**
 * Moves the stream heads of committed commits forward (one command for the group, two when it
 * holds both new and known streams). The commits are already durable: if this fails, a head lags
 * until the stream's next append repairs it, and the appends still succeeded (answering an error
 * would invite a retry that writes twice).
 *
 * A stream whose first commit (fromVersion 0) is in the group gets its head by an insert: no
 * other writer can have committed to it before, and an insert is one index probe everywhere,
 * while an update on FerretDB v1 scans the whole collection (its `_id` filter reaches SQLite but
 * no index: ~4 ms with 1,400 heads, ~30 ms with 2,800 here). If the head exists after all (a later
 * commit by another instance already upserted it, or a store deleted half-way), the insert
 * collides and the head is moved by `$max` like any other: heads never go back.
 */
async function moveStreamHeads(ctx: MongoContext, commits: CommitDoc[]): Promise<void> {
  const heads = new Map<string, { head: StreamDoc; fresh: boolean }>();
  for (const commit of commits) {
    const key = streamKey(commit, commit.streamId);
    const known = heads.get(key);
    if (known) {
      known.head.version = Math.max(known.head.version, commit.toVersion + 1);
      if (commit.createdAt > known.head.updatedAt) known.head.updatedAt = commit.createdAt;
      continue;
    }
    const head: StreamDoc = {
      _id: key,
      org: commit.org,
      store: commit.store,
      streamId: commit.streamId,
      streamType: commit.streamType,
      version: commit.toVersion + 1,
      createdAt: commit.createdAt,
      updatedAt: commit.createdAt,
    };
    // Commits are in chain order: the stream's first one in the group says whether it is new.
    heads.set(key, { head, fresh: commit.fromVersion === 0 });
  }
  const all = [...heads.values()];
  const fresh = all.filter((h) => h.fresh).map((h) => h.head);
  const known = all.filter((h) => !h.fresh).map((h) => h.head);
  const [existing] = await Promise.all([fresh.length > 0 ? insertHeads(ctx, fresh) : [], known.length > 0 ? updateHeads(ctx, known) : undefined]);
  if (existing.length > 0) await updateHeads(ctx, existing);
}

/** Inserts new heads; returns those that exist already (to be moved by `$max` instead). */
async function insertHeads(ctx: MongoContext, heads: StreamDoc[]): Promise<StreamDoc[]> {
  try {
    if (heads.length === 1) await ctx.c.streams.insertOne(heads[0]!);
    else await ctx.c.streams.insertMany(heads, { ordered: false });
    return [];
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
      return errors.filter((e) => isDuplicateKeyCode(e.code)).map((e) => heads[e.index]!);
    }
    return isDuplicateKeyError(error) ? heads : [];
  }
}

/** Moves existing heads forward with `$max`, so heads written out of order never go back. */
async function updateHeads(ctx: MongoContext, heads: StreamDoc[]): Promise<void> {
  let ops = heads.map((head) => ({
    updateOne: {
      filter: { _id: head._id },
      update: {
        $max: { version: head.version, updatedAt: head.updatedAt },
        $setOnInsert: {
          org: head.org,
          store: head.store,
          streamId: head.streamId,
          streamType: head.streamType,
          createdAt: head.createdAt,
        },
      },
      upsert: true,
    },
  }));
  for (let attempt = 0; attempt < 3 && ops.length > 0; attempt++) {
    try {
      if (ops.length === 1) await ctx.c.streams.updateOne(ops[0]!.updateOne.filter, ops[0]!.updateOne.update, { upsert: true });
      else await ctx.c.streams.bulkWrite(ops, { ordered: false });
      return;
    } catch (error) {
      // A concurrent upsert created a head first: the next try updates it.
      if (error instanceof MongoBulkWriteError) {
        const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
        if (!errors.every((e) => isDuplicateKeyCode(e.code))) return;
        const failed = new Set(errors.map((e) => e.index));
        ops = ops.filter((_, i) => failed.has(i));
      } else if (!isDuplicateKeyError(error)) return;
    }
  }
}
