import type { EventStoreSummary } from '@eventlane/contracts';
import type { EventStoreDetails, EventTypeCount, Scope, StoresPage } from '../eventStore.js';
import { StoreError } from '../errors.js';
import { waitForHeadWrites } from './appendToStream.js';
import type { MongoContext } from './context.js';
import { guard, isDuplicateKeyError } from './errors.js';
import { storeKey, type StoreDoc } from './schema.js';

function summary(doc: StoreDoc): EventStoreSummary {
  return { eventStoreName: doc.store, description: doc.description, created: doc.createdAt.toISOString() };
}

export async function createStore(ctx: MongoContext, scope: Scope, options: { description?: string | null } = {}): Promise<EventStoreSummary> {
  return guard(async () => {
    const doc: StoreDoc = {
      _id: storeKey(scope),
      org: scope.org,
      store: scope.store,
      description: options.description ?? null,
      createdAt: new Date(),
    };
    try {
      await ctx.c.stores.insertOne(doc);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new StoreError('EVENT_STORE_EXISTS', `Event store ${scope.store} already exists`);
      throw error;
    }
    const state = ctx.states.get(scope);
    if (state) state.storeDocExists = true;
    return summary(doc);
  });
}

export async function getStore(ctx: MongoContext, scope: Scope): Promise<EventStoreDetails | null> {
  return guard(async () => {
    const byScope = { org: scope.org, store: scope.store };
    const [doc, totalStreams, first, last] = await Promise.all([
      ctx.c.stores.findOne({ _id: storeKey(scope) }),
      ctx.c.streams.countDocuments(byScope),
      ctx.c.commits.findOne(byScope, { sort: { globalFrom: 1 }, projection: { _id: 0, createdAt: 1 } }),
      ctx.c.commits.findOne(byScope, { sort: { globalFrom: -1 }, projection: { _id: 0, createdAt: 1, globalTo: 1 } }),
    ]);
    if (!doc) return null;
    return {
      ...summary(doc),
      statistics: {
        totalStreams,
        // The store chain has no holes, so its end is the event count.
        totalEvents: last ? last.globalTo + 1 : 0,
        oldestEventTimestamp: first ? first.createdAt.toISOString() : null,
        newestEventTimestamp: last ? last.createdAt.toISOString() : null,
      },
    };
  });
}

export async function listStores(ctx: MongoContext, org: string, page: { limit: number; offset?: number }): Promise<StoresPage> {
  return guard(async () => {
    const offset = page.offset ?? 0;
    const [docs, total] = await Promise.all([
      ctx.c.stores.find({ org }, { sort: { store: 1 }, skip: offset, limit: page.limit, projection: { _id: 0 } }).toArray(),
      ctx.c.stores.countDocuments({ org }),
    ]);
    return { eventStores: docs.map(summary), total, hasMore: offset + docs.length < total };
  });
}

/**
 * Deletes commits, heads, then the store document, in the store's append queue so no append of
 * this process lands in between, and after the head writes of its earlier appends have ended (a
 * head written after the delete would bring a deleted stream back into listings). The store
 * document goes last: a delete cut short can be repeated.
 */
export async function deleteStore(ctx: MongoContext, scope: Scope): Promise<boolean> {
  return ctx.queue.run(storeKey(scope), () =>
    guard(async () => {
      const byScope = { org: scope.org, store: scope.store };
      ctx.states.forget(scope);
      await waitForHeadWrites(ctx, scope);
      const commits = await ctx.c.commits.deleteMany(byScope);
      await ctx.c.streams.deleteMany(byScope);
      const store = await ctx.c.stores.deleteOne(byScope);
      ctx.states.forget(scope);
      return store.deletedCount > 0 || commits.deletedCount > 0;
    }),
  );
}

export async function countEventsByType(ctx: MongoContext, scope: Scope): Promise<EventTypeCount[]> {
  return guard(async () => {
    const rows = await ctx.c.commits
      .aggregate<{ _id: string; count: number }>([
        { $match: { org: scope.org, store: scope.store } },
        // No `$project` without `_id` before `$unwind`: FerretDB v1.24 drops the connection on it.
        { $project: { 'events.type': 1 } },
        { $unwind: '$events' },
        { $group: { _id: '$events.type', count: { $sum: 1 } } },
      ])
      .toArray();
    return rows
      .map((r) => ({ type: r._id, count: r.count }))
      .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  });
}

/**
 * Events per minute, bucketed here rather than in an aggregation: FerretDB v1 implements neither
 * `$dateTrunc` nor `$dateToString`. Commits are read without their events.
 */
export async function countEventsPerMinute(ctx: MongoContext, scope: Scope, since: Date): Promise<Array<{ minute: string; count: number }>> {
  return guard(async () => {
    const commits = ctx.c.commits.find(
      { org: scope.org, store: scope.store, createdAt: { $gte: since } },
      { projection: { _id: 0, createdAt: 1, count: 1 } },
    );
    const buckets = new Map<string, number>();
    for await (const commit of commits) {
      const minute = `${commit.createdAt.toISOString().slice(0, 16)}:00.000Z`;
      buckets.set(minute, (buckets.get(minute) ?? 0) + commit.count);
    }
    return [...buckets.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([minute, count]) => ({ minute, count }));
  });
}

export async function headGlobalPosition(ctx: MongoContext, scope: Scope): Promise<number> {
  return guard(async () => {
    const last = await ctx.c.commits.findOne(
      { org: scope.org, store: scope.store },
      { sort: { globalFrom: -1 }, projection: { _id: 0, globalTo: 1 } },
    );
    return last ? last.globalTo : -1;
  });
}
