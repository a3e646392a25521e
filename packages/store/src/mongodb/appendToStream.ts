import { randomUUID } from 'node:crypto';
import { parseStreamType, type ExpectedStreamVersion } from '@eventlane/contracts';
import type { AppendOptions, AppendResult, NewEvent, Scope } from '../eventStore';
import { DuplicateEventIdError, UnavailableError, VersionConflictError } from '../errors';
import { applyCommit, type EventIdAt, type MongoContext, type StoreState } from './context';
import { guard, isDuplicateKeyError } from './errors';
import { commitId, storeKey, streamKey, type CommitDoc, type EventDoc } from './schema';
import { ensureStoreDoc, readStreamVersion, refresh, storeState } from './storeState';

/** Collisions with other instances before an append gives up with UnavailableError (retryable). */
const MAX_ATTEMPTS = 100;

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
 *    outside the store's queue: the next append's insert overlaps it.
 *
 * Why the chains keep the invariants: a commit takes position G only when the commit ending at G-1
 * exists, so positions have no gap or overlap (1) and a catch-up reader that sees G has every
 * position before it (6). The insert at G succeeds only if no commit took G since the state was
 * read, so the state held every commit of the store when 2 and 3 ran: the expectation (4) and the
 * event ids (5) were checked against the whole chain.
 */
export async function appendToStream(
  ctx: MongoContext,
  scope: Scope,
  streamId: string,
  events: NewEvent[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const expected = options.expectedStreamVersion ?? 'any';
  const givenIds = events.flatMap((e) => (e.eventId ? [e.eventId] : []));
  const docs: EventDoc[] = events.map((e) => ({
    eventId: e.eventId ?? randomUUID(),
    type: e.type,
    data: JSON.stringify(e.data ?? {}),
    metadata: e.metadata == null ? null : JSON.stringify(e.metadata),
    schemaVersion: e.schemaVersion ?? null,
  }));

  // The store's queue is held only until the commit is inserted: the next append of the store can
  // take its turn on the chain while this one moves its stream head (its own document, `$max`).
  const outcome = await ctx.queue.run(storeKey(scope), () =>
    guard(async (): Promise<{ result: AppendResult; commit?: CommitDoc }> => {
      const state = await storeState(ctx, scope);
      await ensureStoreDoc(ctx, scope, state);
      let stale = false;
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        // `current`: the state was brought up to date in this attempt, so a mismatch is a real conflict.
        const current = stale;
        if (stale) {
          await refresh(ctx, scope, state);
          if (!state.ids) state.streams.delete(streamId);
          stale = false;
        }
        if (givenIds.length > 0) {
          const stored = state.ids ? storedInState(state.ids, givenIds) : await storedInDatabase(ctx, scope, givenIds);
          const replayedVersion = judgeEventIds(stored, streamId, givenIds, events.length);
          if (replayedVersion !== null) return { result: { nextExpectedStreamVersion: replayedVersion, eventsWritten: 0 } };
        }
        const version = await streamVersion(ctx, scope, state, streamId);
        if (docs.length === 0) return { result: { nextExpectedStreamVersion: version, eventsWritten: 0 } };
        if (!meets(expected, version)) {
          if (current) throw new VersionConflictError(expected as number | 'no_stream' | 'stream_exists', version);
          stale = true;
          continue;
        }
        const commit: CommitDoc = {
          _id: commitId(scope, state.next),
          org: scope.org,
          store: scope.store,
          streamId,
          streamType: parseStreamType(streamId),
          fromVersion: version,
          toVersion: version + docs.length - 1,
          globalFrom: state.next,
          globalTo: state.next + docs.length - 1,
          count: docs.length,
          transactionId: randomUUID(),
          createdAt: new Date(),
          events: docs,
        };
        try {
          await ctx.c.commits.insertOne(commit);
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          // Another instance moved one of the chains: catch up and decide again.
          stale = true;
          if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 5)));
          continue;
        }
        applyCommit(state, commit, ctx.maxSnapshotEvents);
        return { result: { nextExpectedStreamVersion: commit.toVersion + 1, eventsWritten: docs.length }, commit };
      }
      throw new UnavailableError('Too many concurrent appends to this store; retry later');
    }),
  );
  // Still before the answer, so that a listing right after an acknowledged append sees its version.
  if (outcome.commit) await moveStreamHead(ctx, outcome.commit);
  return outcome.result;
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

function storedInState(ids: Map<string, EventIdAt>, wanted: string[]): Map<string, EventIdAt> {
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
 * Moves the stream head forward with `$max`, so heads written out of order never go back. The
 * commit is already durable: if this fails, the head lags until the stream's next append repairs
 * it, and the append still succeeded (answering an error would invite a retry that writes twice).
 */
async function moveStreamHead(ctx: MongoContext, commit: CommitDoc): Promise<void> {
  const filter = { _id: streamKey(commit, commit.streamId) };
  const update = {
    $max: { version: commit.toVersion + 1, updatedAt: commit.createdAt },
    $setOnInsert: {
      org: commit.org,
      store: commit.store,
      streamId: commit.streamId,
      streamType: commit.streamType,
      createdAt: commit.createdAt,
    },
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await ctx.c.streams.updateOne(filter, update, { upsert: true });
      return;
    } catch (error) {
      // A concurrent upsert created the head first: the next try updates it.
      if (!isDuplicateKeyError(error)) return;
    }
  }
}
