import type { Scope } from '../eventStore.js';
import type { MongoContext } from './context.js';
import { retryTransient } from './errors.js';
import { encodeTypeKey, minuteKey, storeKey, type PositionDoc } from './schema.js';

/** Minute counts older than this are pruned (the charts show at most a week). */
export const MINUTE_BUCKET_RETENTION_MS = 8 * 24 * 3_600_000;

export type CountOutcome = 'counted' | 'store_gone';

/**
 * Adds sequenced positions to the store's counters (events, streams, events per type and per
 * minute, first and last event time), in one update of the store document. Its `countedTo` makes
 * the update apply once: it only matches when the counters stop exactly where these positions
 * start, so a sequencer that died between claiming positions and counting them is caught up by the
 * next one (from the positions themselves), and nothing is counted twice.
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
    const minute = `minutes.${minuteKey(p.createdAt)}`;
    inc$[minute] = (inc$[minute] ?? 0) + p.count;
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

/** Drops the store's minute counts older than the retention (one read of them, one update). */
export async function pruneMinutes(ctx: MongoContext, scope: Scope, inc: string, now = Date.now()): Promise<void> {
  const doc = await ctx.c.stores.findOne({ _id: storeKey(scope), inc }, { projection: { _id: 0, minutes: 1 } });
  const oldest = minuteKey(new Date(now - MINUTE_BUCKET_RETENTION_MS));
  const old = Object.keys(doc?.minutes ?? {}).filter((minute) => minute < oldest);
  if (old.length === 0) return;
  await retryTransient(() =>
    ctx.c.stores.updateOne({ _id: storeKey(scope), inc }, { $unset: Object.fromEntries(old.map((minute) => [`minutes.${minute}`, ''])) }),
  );
}
