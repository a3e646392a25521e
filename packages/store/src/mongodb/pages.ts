import type { StoredEvent } from '@eventlane/contracts';
import type { JsonTextEvent, SortDirection } from '../eventStore.js';
import type { CommitDoc, EventDoc } from './schema.js';

/** Commits read per query while filling a page (a commit holds 1 to 1000 events). */
export const COMMITS_PER_QUERY = 100;

/** How a read gives each event: parsed (the port's reads) or with data and metadata as stored JSON text (`jsonText`). */
export type EventForm<E> = (commit: CommitDoc, e: EventDoc, index: number, globalFrom: number | null) => E;

/** The event with data and metadata as stored: `JSON.stringify` of what was appended (encodeEvents). */
export const toJsonTextEvent: EventForm<JsonTextEvent> = (commit, e, index, globalFrom) => ({
  eventId: e.eventId,
  streamId: commit.streamId,
  streamType: commit.streamType,
  streamPosition: commit.fromVersion + index,
  globalPosition: globalFrom === null ? null : globalFrom + index,
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  schemaVersion: e.schemaVersion,
  transactionId: commit.transactionId,
  createdAt: commit.createdAt.toISOString(),
});

export const toStoredEvent: EventForm<StoredEvent> = (commit, e, index, globalFrom) => {
  const event = toJsonTextEvent(commit, e, index, globalFrom);
  return {
    ...event,
    data: JSON.parse(event.data) as Record<string, unknown>,
    metadata: event.metadata === null ? null : (JSON.parse(event.metadata) as Record<string, unknown>),
  };
};

/** A commit in the order a read walks, with the position its first event has on the read's chain. */
export interface Placed {
  commit: CommitDoc;
  /** Position of the commit's first event on the chain the bounds refer to. */
  start: number;
  /** Global position of its first event, when known. */
  globalFrom: number | null;
}

export interface PageSpec {
  direction: SortDirection;
  /** Inclusive bounds on the chain's positions. */
  from: number;
  to: number;
  types?: Set<string>;
  offset: number;
  limit: number;
}

/**
 * Fills a page from commits in read order: skips `offset` matches, takes `limit`, and looks one
 * further for `hasMore`. `batches` yields the commits a query at a time and stops at a hole.
 */
export async function fillPage<E>(batches: AsyncIterable<Placed[]>, spec: PageSpec, form: EventForm<E>): Promise<{ events: E[]; hasMore: boolean }> {
  const events: E[] = [];
  if (spec.from > spec.to || spec.limit <= 0) return { events, hasMore: false };
  let skipped = 0;
  for await (const batch of batches) {
    for (const { commit, start, globalFrom } of batch) {
      const indexes = commit.events.map((_, i) => i);
      if (spec.direction === 'desc') indexes.reverse();
      for (const i of indexes) {
        const position = start + i;
        if (position < spec.from || position > spec.to) continue;
        if (spec.types && !spec.types.has(commit.events[i]!.type)) continue;
        if (skipped < spec.offset) {
          skipped += 1;
          continue;
        }
        if (events.length === spec.limit) return { events, hasMore: true };
        events.push(form(commit, commit.events[i]!, i, globalFrom));
      }
    }
  }
  return { events, hasMore: false };
}

/** How many more commits a page may still need: each holds at least one event. */
export function commitsWanted(spec: PageSpec, taken: number): number {
  return Math.max(1, Math.min(COMMITS_PER_QUERY, spec.offset + spec.limit + 1 - taken));
}

/** Applies the page offset to the bounds when every position in bounds is an event of the read (no filter). */
export function shiftBounds(from: number, to: number, offset: number, direction: SortDirection): { from: number; to: number } {
  return direction === 'asc' ? { from: from + offset, to } : { from, to: to - offset };
}
