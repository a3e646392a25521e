import type { Scope } from '../eventStore.js';
import type { MongoContext } from './context.js';
import { commitMeta, incarnationKey, type CommitMeta } from './schema.js';

/** Commits read from a stream chain at once to fill a hole before a marker. */
const HOLE_READ = 256;

/** The key of a stream's sequenced end in `ctx.sequenced`. */
export const seqKey = (scope: Scope, inc: string, streamId: string) => `${incarnationKey(scope, inc)}:${streamId}`;

/**
 * The commits to sequence now, in an order that keeps each stream's commits in stream order, and
 * the markers of commits sequenced already. Interleaves streams by marker time.
 */
export async function orderClaims(ctx: MongoContext, scope: Scope, inc: string, markers: CommitMeta[]): Promise<{ claims: CommitMeta[]; stale: string[] }> {
  const byStream = new Map<string, CommitMeta[]>();
  for (const m of markers) {
    const list = byStream.get(m.streamId) ?? [];
    list.push(m);
    byStream.set(m.streamId, list);
  }
  const ends = new Map<string, number>();
  await Promise.all(
    [...byStream].map(async ([streamId, list]) => {
      list.sort((a, b) => a.fromVersion - b.fromVersion);
      const end = await sequencedEnd(ctx, scope, inc, streamId);
      ends.set(streamId, end);
      const ahead = list.find((m) => m.fromVersion >= end);
      // Commits between the stream's sequenced end and its first marker have no marker yet.
      if (ahead && ahead.fromVersion > end) list.unshift(...(await unmarked(ctx, scope, inc, streamId, end, ahead.fromVersion)));
    }),
  );
  const claims: CommitMeta[] = [];
  const stale: string[] = [];
  for (const m of markers) {
    const list = byStream.get(m.streamId)!;
    while (list.length > 0 && list[0]!.fromVersion <= m.fromVersion) {
      const next = list.shift()!;
      const end = ends.get(m.streamId)!;
      if (next.fromVersion < end) stale.push(next._id);
      else if (next.fromVersion === end) {
        claims.push(next);
        ends.set(m.streamId, next.toVersion + 1);
      } else {
        // A hole in the stream chain that could not be read yet: the stream waits for the next round.
        list.length = 0;
      }
    }
  }
  return { claims, stale };
}

/** The stream version up to which its commits have positions. */
export async function sequencedEnd(ctx: MongoContext, scope: Scope, inc: string, streamId: string): Promise<number> {
  const key = seqKey(scope, inc, streamId);
  const cached = ctx.sequenced.get(key);
  if (cached !== undefined) return cached;
  const last = await ctx.c.positions.findOne(
    { org: scope.org, store: scope.store, inc: inc, streamId },
    { sort: { fromVersion: -1 }, projection: { _id: 0, fromVersion: 1, count: 1 } },
  );
  const end = last ? last.fromVersion + last.count : 0;
  ctx.sequenced.set(key, end);
  return end;
}

/** The stream's commits in [from, to) from its chain (their markers are missing), contiguous from `from`. */
async function unmarked(ctx: MongoContext, scope: Scope, inc: string, streamId: string, from: number, to: number): Promise<CommitMeta[]> {
  const commits = await ctx.c.commits
    .find(
      { org: scope.org, store: scope.store, inc: inc, streamId, fromVersion: { $gte: from, $lt: to } },
      { sort: { fromVersion: 1 }, projection: { _id: 1, org: 1, store: 1, inc: 1, streamId: 1, streamType: 1, fromVersion: 1, toVersion: 1, createdAt: 1, 'events.type': 1 } },
    )
    .limit(Math.min(to - from, HOLE_READ))
    .toArray();
  const metas: CommitMeta[] = [];
  let expected = from;
  for (const commit of commits) {
    if (commit.fromVersion !== expected) break;
    metas.push(commitMeta(commit));
    expected = commit.toVersion + 1;
  }
  return metas;
}

/** The next global position of a store incarnation: the end of its last position. */
export async function nextPosition(ctx: MongoContext, scope: Scope, inc: string): Promise<number> {
  const last = await ctx.c.positions.findOne(
    { org: scope.org, store: scope.store, inc },
    { sort: { g: -1 }, projection: { _id: 0, g: 1, count: 1 } },
  );
  return last ? last.g + last.count : 0;
}
