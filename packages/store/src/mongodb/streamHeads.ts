import { MongoBulkWriteError } from 'mongodb';
import type { Scope } from '../eventStore.js';
import type { MongoContext } from './context.js';
import { isDuplicateKeyCode, isDuplicateKeyError, retryTransient, writeErrorsOf } from './errors.js';
import { streamKey, type CommitDoc, type StreamDoc } from './schema.js';

/**
 * Stream heads: each stream's version counter, moved forward with `findOneAndUpdate($max)` after
 * its commits. A head is a fast path (version checks without reading the chain, stream listings),
 * never the guarantee: the unique stream chain is. A head can lag (the process died between commit
 * and head); the stream's next append collides on the chain, reads its real end and moves the head.
 */

/**
 * A version each stream has reached: the cache, else its head document (0 when it has none); one
 * query for all of them. With `validate` (other instances append to the store too, so cached
 * versions go stale), every stream's head is read, and the higher of head and cache is taken: both
 * are never ahead of the stream, and the head has every acknowledged append.
 */
export async function knownVersions(ctx: MongoContext, scope: Scope, inc: string, streamIds: string[], validate = false): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  const missing: string[] = [];
  for (const id of new Set(streamIds)) {
    const cached = ctx.versions.get(streamKey(scope, inc, id));
    if (cached !== undefined) versions.set(id, cached);
    if (cached === undefined || validate) missing.push(id);
  }
  if (missing.length > 0) {
    const heads = await ctx.c.streams
      .find({ _id: { $in: missing.map((id) => streamKey(scope, inc, id)) } }, { projection: { _id: 0, streamId: 1, version: 1 } })
      .limit(missing.length)
      .toArray();
    const found = new Map(heads.map((h) => [h.streamId, h.version]));
    for (const id of missing) {
      const version = Math.max(found.get(id) ?? 0, versions.get(id) ?? 0);
      versions.set(id, version);
      ctx.versions.set(streamKey(scope, inc, id), version);
    }
  }
  return versions;
}

/** The stream's real version: the end of its commit chain (the truth a head may lag behind). */
export async function chainEnd(ctx: MongoContext, scope: Scope, inc: string, streamId: string): Promise<number> {
  const last = await ctx.c.commits.findOne(
    { org: scope.org, store: scope.store, inc, streamId },
    { sort: { fromVersion: -1 }, projection: { _id: 0, toVersion: 1 } },
  );
  const version = last ? last.toVersion + 1 : 0;
  ctx.versions.set(streamKey(scope, inc, streamId), version);
  return version;
}

/**
 * Moves the heads of committed commits forward with `$max` (and upsert). A stream whose first
 * commit (fromVersion 0) is among them gets its head by an insert instead: nobody can have written
 * it before, and an insert costs one index probe on every backend (FerretDB v1 scans the
 * collection for an update). If it exists after all, the insert collides and the head moves by
 * `$max` like any other. Heads never go back.
 */
export async function moveHeads(ctx: MongoContext, commits: CommitDoc[]): Promise<void> {
  const heads = new Map<string, { head: StreamDoc; fresh: boolean }>();
  for (const commit of commits) {
    const key = streamKey(commit, commit.inc, commit.streamId);
    const known = heads.get(key);
    if (known) {
      known.head.version = Math.max(known.head.version, commit.toVersion + 1);
      if (commit.createdAt > known.head.updatedAt) known.head.updatedAt = commit.createdAt;
      continue;
    }
    heads.set(key, {
      head: {
        _id: key,
        org: commit.org,
        store: commit.store,
        inc: commit.inc,
        streamId: commit.streamId,
        streamType: commit.streamType,
        version: commit.toVersion + 1,
        createdAt: commit.createdAt,
        updatedAt: commit.createdAt,
      },
      fresh: commit.fromVersion === 0,
    });
  }
  const all = [...heads.values()];
  const existing = all.filter((h) => !h.fresh).map((h) => h.head);
  const inserted = await Promise.all([insertFresh(ctx, all.filter((h) => h.fresh).map((h) => h.head)), moveExisting(ctx, existing)]);
  await moveExisting(ctx, inserted[0]);
}

/** Inserts the heads of new streams; returns those that existed already. */
async function insertFresh(ctx: MongoContext, heads: StreamDoc[]): Promise<StreamDoc[]> {
  if (heads.length === 0) return [];
  try {
    // A retry that meets its own earlier insert collides and moves the head by $max instead: harmless.
    await retryTransient(async () => {
      if (heads.length === 1) await ctx.c.streams.insertOne(heads[0]!);
      else await ctx.c.streams.insertMany(heads, { ordered: false });
    });
    return [];
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      const errors = writeErrorsOf(error);
      if (errors.length === 0 || !errors.every((e) => isDuplicateKeyCode(e.code))) throw error;
      return errors.map((e) => heads[e.index]!);
    }
    if (isDuplicateKeyError(error)) return heads;
    throw error;
  }
}

/**
 * Moves existing heads: `findOneAndUpdate` for one (the answer tells the cache whether another
 * instance moved it further), one `bulkWrite` of the same `$max` updates for several (FerretDB v1
 * runs each findAndModify as its own slow transaction: ~60 ms each here, against one command).
 */
async function moveExisting(ctx: MongoContext, heads: StreamDoc[]): Promise<void> {
  if (heads.length === 0) return;
  if (heads.length === 1) return moveHead(ctx, heads[0]!);
  let ops = heads.map((head) => ({ updateOne: { filter: { _id: head._id }, update: headUpdate(head), upsert: true } }));
  for (let attempt = 0; ; attempt++) {
    try {
      await retryTransient(() => ctx.c.streams.bulkWrite(ops, { ordered: false }));
      return;
    } catch (error) {
      // Concurrent upserts created some first: the next try updates them.
      if (!(error instanceof MongoBulkWriteError) || attempt >= 2) throw error;
      const errors = writeErrorsOf(error);
      if (errors.length === 0 || !errors.every((e) => isDuplicateKeyCode(e.code))) throw error;
      const failed = new Set(errors.map((e) => e.index));
      ops = ops.filter((_, i) => failed.has(i));
    }
  }
}

function headUpdate(head: StreamDoc) {
  return {
    $max: { version: head.version, updatedAt: head.updatedAt },
    $setOnInsert: { org: head.org, store: head.store, inc: head.inc, streamId: head.streamId, streamType: head.streamType, createdAt: head.createdAt },
  };
}

async function moveHead(ctx: MongoContext, head: StreamDoc): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const after = await retryTransient(() =>
        ctx.c.streams.findOneAndUpdate({ _id: head._id }, headUpdate(head), { upsert: true, returnDocument: 'after' }),
      );
      // Another instance may have moved it further: the cache learns the newer version.
      if (after) ctx.versions.set(head._id, Math.max(after.version, head.version));
      return;
    } catch (error) {
      // Two upserts created it at once: the next try updates it.
      if (!isDuplicateKeyError(error) || attempt >= 2) throw error;
    }
  }
}
