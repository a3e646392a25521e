import type { StoredEvent } from '@eventlane/contracts';
import type { Filter } from 'mongodb';
import type { EventsPage, SortDirection } from '../eventStore.js';
import type { MongoContext } from './context.js';
import type { CommitDoc, EventDoc } from './schema.js';

/** Which chain a scan walks: one stream's (stream positions) or the store's (global positions). */
export type Chain = 'stream' | 'global';

export interface ScanSpec {
  /** Commit-level filter (scope, stream, position overlap). */
  filter: Filter<CommitDoc>;
  /** The chain whose positions `from` and `to` bound. */
  chain: Chain;
  /** The chain the scan walks in order and checks for holes; defaults to `chain`. */
  order?: Chain;
  direction: SortDirection;
  /** Inclusive bounds on the chain's positions. */
  from: number;
  to: number;
  /** Event-level filter beyond the position bounds; undefined when every event in bounds matches. */
  types?: Set<string>;
}

/** `from`..`to` of a commit on the given chain. */
function span(commit: CommitDoc, chain: Chain): [number, number] {
  return chain === 'stream' ? [commit.fromVersion, commit.toVersion] : [commit.globalFrom, commit.globalTo];
}

export function toStoredEvent(commit: CommitDoc, e: EventDoc, index: number): StoredEvent {
  return {
    eventId: e.eventId,
    streamId: commit.streamId,
    streamType: commit.streamType,
    streamPosition: commit.fromVersion + index,
    globalPosition: commit.globalFrom + index,
    type: e.type,
    data: JSON.parse(e.data) as Record<string, unknown>,
    metadata: e.metadata === null ? null : (JSON.parse(e.metadata) as Record<string, unknown>),
    schemaVersion: e.schemaVersion,
    transactionId: commit.transactionId,
    createdAt: commit.createdAt.toISOString(),
  };
}

/**
 * Walks commits in chain order and yields the matching events of a page: skips `offset` matches,
 * takes `limit` and looks one further for `hasMore`.
 *
 * Ascending scans stop at the first hole in the chain. A commit only takes position P after the
 * commit ending at P-1 exists, so a hole is a commit that is being inserted while we read (a
 * MongoDB query is not one snapshot across yields): stopping there is what lets a catch-up reader
 * that asks for `last seen + 1` never skip an event.
 */
export async function scanPage(ctx: MongoContext, spec: ScanSpec, page: { limit: number; offset: number }): Promise<EventsPage> {
  const events: StoredEvent[] = [];
  if (spec.from > spec.to || page.limit <= 0) return { events, hasMore: false };
  const ascending = spec.direction === 'asc';
  const order = spec.order ?? spec.chain;
  const sortKey = order === 'stream' ? 'fromVersion' : 'globalFrom';
  const want = page.offset + page.limit + 1;
  const cursor = ctx.c.commits
    .find(spec.filter, { sort: { [sortKey]: ascending ? 1 : -1 }, projection: { _id: 0 } })
    .batchSize(Math.min(1000, Math.max(10, want)));
  let skipped = 0;
  let expectedStart: number | null = null;
  try {
    for await (const commit of cursor) {
      const [start] = span(commit, spec.chain);
      if (ascending) {
        const [orderStart, orderEnd] = span(commit, order);
        // The first commit must hold `from` itself; that is only known when bounds and order share a chain.
        const hole = expectedStart === null ? order === spec.chain && orderStart > spec.from : orderStart !== expectedStart;
        if (hole) break;
        expectedStart = orderEnd + 1;
      }
      const indexes = commit.events.map((_, i) => i);
      if (!ascending) indexes.reverse();
      for (const i of indexes) {
        const position = start + i;
        if (position < spec.from || position > spec.to) continue;
        if (spec.types && !spec.types.has(commit.events[i]!.type)) continue;
        if (skipped < page.offset) {
          skipped += 1;
          continue;
        }
        if (events.length === page.limit) return { events, hasMore: true };
        events.push(toStoredEvent(commit, commit.events[i]!, i));
      }
    }
  } finally {
    await cursor.close();
  }
  return { events, hasMore: false };
}

/** Counts the events a scan would match, reading only the types of events. */
export async function countMatches(ctx: MongoContext, spec: ScanSpec): Promise<number> {
  if (spec.from > spec.to) return 0;
  const cursor = ctx.c.commits.find(spec.filter, {
    projection: { _id: 0, fromVersion: 1, toVersion: 1, globalFrom: 1, globalTo: 1, 'events.type': 1 },
  });
  let total = 0;
  try {
    for await (const commit of cursor) {
      const [start] = span(commit, spec.chain);
      commit.events.forEach((e, i) => {
        const position = start + i;
        if (position >= spec.from && position <= spec.to && (!spec.types || spec.types.has(e.type))) total += 1;
      });
    }
  } finally {
    await cursor.close();
  }
  return total;
}

/** Applies the page offset to the bounds when every event in bounds matches (no scan needed to skip). */
export function shiftBounds(
  from: number,
  to: number,
  offset: number,
  direction: SortDirection,
): { from: number; to: number } {
  return direction === 'asc' ? { from: from + offset, to } : { from, to: to - offset };
}

/** The commit-level filter for events within [from, to] on a chain. */
export function overlapFilter(chain: Chain, from: number, to: number): Filter<CommitDoc> {
  return chain === 'stream'
    ? { toVersion: { $gte: from }, fromVersion: { $lte: to } }
    : { globalTo: { $gte: from }, globalFrom: { $lte: to } };
}
