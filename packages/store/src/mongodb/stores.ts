import type { EventStoreSummary } from '@eventlane/contracts';
import type { EventStoreDetails, EventTypeCount, Scope, StoresPage } from '../eventStore.js';
import { StoreError, UnavailableError } from '../errors.js';
import type { MongoContext } from './context.js';
import { guard, isDuplicateKeyError } from './errors.js';
import { decodeTypeKey, incarnationKey, minuteKey, storeKey, streamKey, type StoreDoc } from './schema.js';
import { nextPosition } from './sequenceOrder.js';
import { currentHandle, newStoreDoc } from './storeHandle.js';

/** Most minute buckets a chart asks for: a week. */
const MAX_MINUTES = 7 * 24 * 60 + 1;
/** Most event types a store reports (they live in its store document). */
const MAX_TYPES = 10_000;

function summary(doc: Pick<StoreDoc, 'store' | 'description' | 'createdAt'>): EventStoreSummary {
  return { eventStoreName: doc.store, description: doc.description, created: doc.createdAt.toISOString() };
}

export async function createStore(ctx: MongoContext, scope: Scope, options: { description?: string | null } = {}): Promise<EventStoreSummary> {
  return guard(async () => {
    const doc = newStoreDoc(scope, options.description ?? null);
    try {
      await ctx.c.stores.insertOne(doc);
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new StoreError('EVENT_STORE_EXISTS', `Event store ${scope.store} already exists`);
      throw error;
    }
    ctx.handles.set(storeKey(scope), { inc: doc.inc });
    return summary(doc);
  });
}

/** The store with its counters (kept by the sequencer: they count events that have a global position). */
export async function getStore(ctx: MongoContext, scope: Scope): Promise<EventStoreDetails | null> {
  return guard(async () => {
    const doc = await ctx.c.stores.findOne({ _id: storeKey(scope) }, { projection: { types: 0, minutes: 0 } });
    if (!doc) return null;
    return {
      ...summary(doc),
      statistics: {
        totalStreams: doc.streams,
        totalEvents: doc.events,
        oldestEventTimestamp: doc.firstEventAt ? doc.firstEventAt.toISOString() : null,
        newestEventTimestamp: doc.lastEventAt ? doc.lastEventAt.toISOString() : null,
      },
    };
  });
}

export async function listStores(ctx: MongoContext, org: string, page: { limit: number; offset?: number }): Promise<StoresPage> {
  return guard(async () => {
    const offset = page.offset ?? 0;
    const [docs, total] = await Promise.all([
      ctx.c.stores
        .find({ org }, { sort: { store: 1 }, skip: offset, limit: page.limit, projection: { _id: 0, store: 1, description: 1, createdAt: 1 } })
        .toArray(),
      ctx.c.stores.countDocuments({ org }),
    ]);
    return { eventStores: docs.map(summary), total, hasMore: offset + docs.length < total };
  });
}

/**
 * Retires the store's incarnation, then deletes its data. The store document goes first, with its
 * incarnation: from then on every instance's append checks the incarnation after writing (see
 * groupInsert.ts) and decides again in a new one, and readers look up the incarnation first, so no
 * late write of a stale instance is ever acknowledged or read, and a store recreated meanwhile
 * (a new incarnation) keeps its own data. Runs after this process's groups of the store.
 */
export async function deleteStore(ctx: MongoContext, scope: Scope): Promise<boolean> {
  return ctx.queue.run(storeKey(scope), () =>
    guard(async () => {
      const doc = await ctx.c.stores.findOne({ _id: storeKey(scope) }, { projection: { _id: 0, inc: 1 } });
      ctx.handles.delete(storeKey(scope));
      if (!doc) return false;
      const retired = await ctx.c.stores.deleteOne({ _id: storeKey(scope), inc: doc.inc });
      const inc = doc.inc;
      await ctx.sequencers.stop(scope, inc);
      const byIncarnation = { org: scope.org, store: scope.store, inc };
      // Markers first, so that no sequencer picks up a commit that is being deleted.
      await ctx.c.markers.deleteMany(byIncarnation);
      await Promise.all([
        ctx.c.commits.deleteMany(byIncarnation),
        ctx.c.positions.deleteMany(byIncarnation),
        ctx.c.streams.deleteMany(byIncarnation),
        ctx.c.sequencers.deleteOne({ _id: incarnationKey(scope, inc) }),
      ]);
      ctx.versions.deletePrefix(streamKey(scope, inc, ''));
      ctx.sequenced.deletePrefix(`${incarnationKey(scope, inc)}:`);
      return retired.deletedCount > 0;
    }),
  );
}

/** Event counts per type from the store's counters, most frequent first. */
export async function countEventsByType(ctx: MongoContext, scope: Scope): Promise<EventTypeCount[]> {
  return guard(async () => {
    const doc = await ctx.c.stores.findOne({ _id: storeKey(scope) }, { projection: { _id: 0, types: 1 } });
    if (!doc) return [];
    return Object.entries(doc.types)
      .map(([key, count]) => ({ type: decodeTypeKey(key), count }))
      .filter((t) => t.count > 0)
      .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
      .slice(0, MAX_TYPES);
  });
}

/** Events per minute from the store's counters (kept by the sequencer), oldest first. */
export async function countEventsPerMinute(ctx: MongoContext, scope: Scope, since: Date): Promise<Array<{ minute: string; count: number }>> {
  return guard(async () => {
    const doc = await ctx.c.stores.findOne({ _id: storeKey(scope) }, { projection: { _id: 0, minutes: 1 } });
    const floor = minuteKey(since);
    return Object.entries(doc?.minutes ?? {})
      .filter(([minute, count]) => minute >= floor && count > 0)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(-MAX_MINUTES)
      .map(([minute, count]) => ({ minute: `${minute}:00.000Z`, count }));
  });
}

/** The highest sequenced global position, or -1. */
export async function headGlobalPosition(ctx: MongoContext, scope: Scope): Promise<number> {
  return guard(async () => {
    const handle = await currentHandle(ctx, scope);
    if (!handle) return -1;
    return (await nextPosition(ctx, scope, handle.inc)) - 1;
  });
}

/**
 * Resolves once every commit made in the store before the call has its global position:
 * - no append of the store in flight in this process, and none of its commits waiting here for
 *   its marker;
 * - every other instance has said (heartbeat) that its commits made before the call are marked,
 *   and every instance that died since has been recovered (its unmarked commits marked);
 * - no marker left for the store (the sequencer has given them positions).
 */
export async function waitForGlobalOrder(ctx: MongoContext, scope: Scope, timeoutMs = 10_000): Promise<void> {
  const called = Date.now();
  const deadline = called + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      if (await sequencedSince(ctx, scope, called)) return;
      lastError = null;
    } catch (error) {
      // The database restarting, a failover: keep waiting until the deadline.
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new UnavailableError('The store is not sequenced yet; retry later', lastError ? { cause: lastError } : undefined);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One look: whether every commit of the store made before `called` has its global position. */
async function sequencedSince(ctx: MongoContext, scope: Scope, called: number): Promise<boolean> {
  await ctx.queue.idle(storeKey(scope));
  const handle = await guard(() => currentHandle(ctx, scope));
  if (!handle) return true;
  const [marker, behind] = await guard(() =>
    Promise.all([
      ctx.c.markers.findOne({ org: scope.org, store: scope.store, inc: handle.inc }, { projection: { _id: 1 } }),
      ctx.c.instances.findOne({ cleanUntil: { $lt: new Date(called) }, _id: { $ne: ctx.instanceId } }, { projection: { _id: 1 } }),
    ]),
  );
  const here = ctx.appends.has(storeKey(scope)) || ctx.book.holds(scope, handle.inc, called);
  if (marker) ctx.sequencers.wake(scope, handle.inc);
  return !marker && !behind && !here;
}
