import type { Scope } from '../eventStore.js';
import { applyCommit, COMMIT_HEAD_PROJECTION, type CommitHead, type MongoContext, type StoreState } from './context.js';
import { isDuplicateKeyError } from './errors.js';
import { commitId, storeKey } from './schema.js';

/** This process's state of a store, read from the database the first time. */
export async function storeState(ctx: MongoContext, scope: Scope): Promise<StoreState> {
  const known = ctx.states.get(scope);
  if (known) return known;
  const state: StoreState = { next: 0, streams: new Map(), ids: new Map(), storeDocExists: false };
  await catchUp(ctx, scope, state);
  ctx.states.set(scope, state);
  return state;
}

/**
 * Brings a state up to date with commits other instances made. A key lookup at `next` answers
 * the usual "nothing new" cheaply on every backend.
 */
export async function refresh(ctx: MongoContext, scope: Scope, state: StoreState): Promise<void> {
  const found = await ctx.c.commits.findOne({ _id: commitId(scope, state.next) }, { projection: { _id: 1 } });
  if (found) await catchUp(ctx, scope, state);
}

/**
 * Reads the commits from `state.next` on, in chain order, stopping at a hole (a commit being
 * inserted while we read: the next insert at `next` collides with it and we come back).
 */
async function catchUp(ctx: MongoContext, scope: Scope, state: StoreState): Promise<void> {
  if (!state.ids && state.next > 0) {
    // Lookup mode keeps no event ids, so there is nothing to replay: jump to the end.
    state.next = await readNextGlobal(ctx, scope);
    return;
  }
  const cursor = ctx.c.commits
    .find<CommitHead>({ org: scope.org, store: scope.store, globalFrom: { $gte: state.next } }, {
      sort: { globalFrom: 1 },
      projection: COMMIT_HEAD_PROJECTION,
    })
    .batchSize(1000);
  try {
    for await (const commit of cursor) {
      if (commit.globalFrom !== state.next) break;
      applyCommit(state, commit, ctx.maxSnapshotEvents);
      if (!state.ids) {
        // Too big to keep whole: from here on the database answers (see StoreState).
        state.next = await readNextGlobal(ctx, scope);
        return;
      }
    }
  } finally {
    await cursor.close();
  }
}

/** The stream's version from its last commit (the commits, not the head document, are the truth). */
export async function readStreamVersion(ctx: MongoContext, scope: Scope, streamId: string): Promise<number> {
  const last = await ctx.c.commits.findOne(
    { org: scope.org, store: scope.store, streamId },
    { sort: { fromVersion: -1 }, projection: { _id: 0, toVersion: 1 } },
  );
  return last ? last.toVersion + 1 : 0;
}

/** The position the store's next commit takes: its last commit's globalTo + 1, or 0. */
export async function readNextGlobal(ctx: MongoContext, scope: Scope): Promise<number> {
  const last = await ctx.c.commits.findOne(
    { org: scope.org, store: scope.store },
    { sort: { globalFrom: -1 }, projection: { _id: 0, globalTo: 1 } },
  );
  return last ? last.globalTo + 1 : 0;
}

/** Makes sure the store has its `stores` document before its first commit (implicit creation). */
export async function ensureStoreDoc(ctx: MongoContext, scope: Scope, state: StoreState): Promise<void> {
  if (state.storeDocExists) return;
  try {
    await ctx.c.stores.updateOne(
      { _id: storeKey(scope) },
      { $setOnInsert: { org: scope.org, store: scope.store, description: null, createdAt: new Date() } },
      { upsert: true },
    );
  } catch (error) {
    // Two upserts raced to create it (FerretDB's upsert is read-then-write): it exists now.
    if (!isDuplicateKeyError(error)) throw error;
  }
  state.storeDocExists = true;
}
