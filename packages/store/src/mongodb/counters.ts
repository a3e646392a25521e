import type { Scope } from '../eventStore';
import type { MongoContext } from './context';
import { retryTransient, toStoreError } from './errors';
import { encodeTypeKey, incarnationKey, storeKey, type PositionDoc } from './schema';

/** Buckets older than this are pruned (the charts show at most a week). */
export const MINUTE_BUCKET_RETENTION_MS = 8 * 24 * 3_600_000;

export type CountOutcome = 'counted' | 'store_gone';

/**
 * Adds sequenced positions to the store's counters (events, streams, events per type, first and
 * last event time) and to its per-minute buckets. The store document's `countedTo` makes the
 * update apply once: it only matches when the counters stop exactly where these positions start,
 * so a sequencer that died between claiming positions and counting them is caught up by the next
 * one (from the positions themselves), and nothing is counted twice. The minute buckets follow the
 * store update, so a crash between the two can only under-count a chart, never over-count.
 */
export async function countPositions(ctx: MongoContext, scope: Scope, inc: string, positions: PositionDoc[]): Promise<CountOutcome> {
  if (positions.length === 0) return 'counted';
  const from = positions[0]!.g;
  const last = positions[positions.length - 1]!;
  const to = last.g + last.count;
  const inc$: Record<string, number> = { events: 0, streams: 0 };
  let lastAt = positions[0]!.createdAt;
  for (const p of positions) {
    inc$.events! += p.count;
    if (p.fromVersion === 0) inc$.streams! += 1;
    for (const { t, n } of p.typeCounts) {
      const key = `types.${encodeTypeKey(t)}`;
      inc$[key] = (inc$[key] ?? 0) + n;
    }
    if (p.createdAt > lastAt) lastAt = p.createdAt;
  }
  // Conditional on countedTo, so a retry can never count twice.
  const updated = await retryTransient(() => ctx.c.stores.updateOne(
    { _id: storeKey(scope), inc, countedTo: from },
    {
      $inc: inc$,
      $set: { countedTo: to, ...(from === 0 ? { firstEventAt: positions[0]!.createdAt } : {}) },
      $max: { lastEventAt: lastAt },
    },
  ));
  if (updated.matchedCount === 0) {
    const doc = await ctx.c.stores.findOne({ _id: storeKey(scope) }, { projection: { _id: 0, inc: 1, countedTo: 1 } });
    if (!doc || doc.inc !== inc) return 'store_gone';
    // Counted already (by a sequencer that overlapped with us), or a gap to catch up first.
    if (doc.countedTo >= to) return 'counted';
    if (doc.countedTo < from) {
      const reached = await catchUpCounters(ctx, scope, inc, doc.countedTo, from);
      if (reached === 'store_gone') return reached;
      // Once only: a catch-up that could not reach `from` is left to the next round.
      if (reached === from) return countPositions(ctx, scope, inc, positions);
    }
    return 'counted';
  }
  try {
    await countMinutes(ctx, scope, inc, positions);
  } catch (error) {
    // Not retried ($inc twice would over-count): the chart under-counts these minutes.
    ctx.listeners.backgroundFailure('minute_counts', toStoreError(error));
  }
  return 'counted';
}

/**
 * Counts positions [from, to) from the positions collection (a sequencer died before counting
 * them). Returns how far it got, or `store_gone`.
 */
export async function catchUpCounters(ctx: MongoContext, scope: Scope, inc: string, from: number, to: number): Promise<number | 'store_gone'> {
  let next = from;
  while (next < to) {
    const page = await ctx.c.positions
      .find({ org: scope.org, store: scope.store, inc, g: { $gte: next, $lt: to } }, { sort: { g: 1 } })
      .limit(500)
      .toArray();
    // Positions are contiguous; anything else is a position being claimed right now: stop there.
    const contiguous: PositionDoc[] = [];
    for (const p of page) {
      if (p.g !== next) break;
      contiguous.push(p);
      next = p.g + p.count;
    }
    if (contiguous.length === 0) return next;
    // Counted by someone else meanwhile: countPositions answers `counted` without adding them again.
    if ((await countPositions(ctx, scope, inc, contiguous)) === 'store_gone') return 'store_gone';
  }
  return next;
}

async function countMinutes(ctx: MongoContext, scope: Scope, inc: string, positions: PositionDoc[]): Promise<void> {
  const byMinute = new Map<string, number>();
  for (const p of positions) {
    const minute = new Date(Math.floor(p.createdAt.getTime() / 60_000) * 60_000).toISOString();
    byMinute.set(minute, (byMinute.get(minute) ?? 0) + p.count);
  }
  const key = incarnationKey(scope, inc);
  await ctx.c.minuteCounts.bulkWrite(
    [...byMinute].map(([minute, count]) => ({
      updateOne: {
        filter: { _id: `${key}:${minute}` },
        update: { $inc: { count }, $setOnInsert: { org: scope.org, store: scope.store, inc, minute } },
        upsert: true,
      },
    })),
    { ordered: false },
  );
}

/** Drops minute buckets older than the retention (bounded by the index on (org, store, inc, minute)). */
export async function pruneMinutes(ctx: MongoContext, scope: Scope, inc: string, now = Date.now()): Promise<void> {
  await ctx.c.minuteCounts.deleteMany({
    org: scope.org,
    store: scope.store,
    inc,
    minute: { $lt: new Date(now - MINUTE_BUCKET_RETENTION_MS).toISOString() },
  });
}
