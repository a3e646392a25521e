import { randomUUID } from 'node:crypto';
import { matchesEventTypes, type GlobalEvent } from '@eventlane/contracts';
import { globToRegExp, type Storage, type SubscriptionRecord } from '@eventlane/store';

/** A batch ready to send: its events in global order, and where the subscription stands once it is delivered. */
export interface Batch {
  deliveryId: string;
  events: GlobalEvent[];
  fromPosition: number;
  toPosition: number;
  /** The subscription's position after a 2xx. */
  nextPosition: number;
  /** Attempts made before this one. */
  attempts: number;
}

/** No batch: either nothing new, or only events that do not match (then the position moves past them). */
export type NextBatch = { batch: Batch } | { skipTo: number } | { idle: true };

/** Raw events read per page when the filters run in memory. */
const SCAN_PAGE = 1000;
/** Raw events one batch build looks at, at most: past that a sparse filter moves the position and continues. */
const MAX_SCANNED_PER_BUILD = 20_000;

function newDeliveryId(): string {
  return `dlv_${randomUUID().replace(/-/g, '')}`;
}

/** Whether an event passes the subscription's filters (all of them that are set). */
export function eventMatcher(subscription: Pick<SubscriptionRecord, 'eventTypes' | 'streamType' | 'streamIdPattern'>): (event: GlobalEvent) => boolean {
  const pattern = subscription.streamIdPattern === null ? null : globToRegExp(subscription.streamIdPattern);
  return (event) =>
    matchesEventTypes(subscription.eventTypes, event.type) &&
    (subscription.streamType === null || event.streamType === subscription.streamType) &&
    (pattern === null || pattern.test(event.streamId));
}

/** Exact types can be filtered by the storage (an index on SQLite); a prefix glob is filtered here. */
function exactTypes(subscription: SubscriptionRecord): string[] | undefined {
  const types = subscription.eventTypes;
  return types !== null && types.every((t) => !t.endsWith('*')) ? types : undefined;
}

/**
 * Reads the matching events of [from, to] in global order, at most `max` of them. Returns them and
 * the last global position it looked at (all positions up to it are accounted for).
 */
async function readMatching(
  storage: Storage,
  subscription: SubscriptionRecord,
  from: number,
  to: number | undefined,
  max: number,
  types: string[] | undefined,
): Promise<{ events: GlobalEvent[]; scannedTo: number; full: boolean }> {
  const scope = { org: subscription.org, store: subscription.store };
  const matches = eventMatcher(subscription);
  const events: GlobalEvent[] = [];
  let next = from;
  let scanned = 0;
  while ((to === undefined || next <= to) && scanned < MAX_SCANNED_PER_BUILD) {
    // When every event read counts (types in the read, or no filter at all) read just what the batch
    // still needs; otherwise a larger page, filtered here.
    const unfiltered = subscription.eventTypes === null && subscription.streamType === null && subscription.streamIdPattern === null;
    const limit = types || unfiltered ? max - events.length : SCAN_PAGE;
    const page = await storage.readStore(scope, { fromPosition: next, toPosition: to, types, limit });
    for (const event of page.events) {
      if (!matches(event)) continue;
      events.push(event);
      if (events.length === max) return { events, scannedTo: event.globalPosition, full: true };
    }
    scanned += page.events.length;
    const last = page.events[page.events.length - 1];
    // Without more pages everything up to `to` has been read (readable global order has no holes);
    // unbounded and unfiltered, everything up to the last event read.
    if (!page.hasMore || !last) return { events, scannedTo: to ?? (last ? last.globalPosition : next - 1), full: false };
    next = last.globalPosition + 1;
  }
  return { events, scannedTo: next - 1, full: false };
}

/**
 * What to send next: the pending batch again when one failed (the same events under the same id),
 * else a new batch of up to `batchSize` matching events from the position, read up to the store's
 * head (its readable global order).
 */
export async function nextBatch(storage: Storage, subscription: SubscriptionRecord): Promise<NextBatch> {
  const pending = subscription.pending;
  const types = exactTypes(subscription);
  if (pending) {
    const { events } = await readMatching(storage, subscription, pending.fromPosition, pending.toPosition, subscription.batchSize, types);
    // Events are never changed or removed short of deleting the store: the batch reads back whole.
    if (events.length > 0) {
      return {
        batch: {
          deliveryId: pending.deliveryId,
          events,
          fromPosition: pending.fromPosition,
          toPosition: pending.toPosition,
          nextPosition: pending.toPosition + 1,
          attempts: pending.attempts,
        },
      };
    }
  }
  // With the type filter in the storage's read, what it skipped is only known up to a bound: the
  // head, looked up first. Without it, every event read is one position further: no lookup needed.
  const head = types ? await storage.headGlobalPosition({ org: subscription.org, store: subscription.store }) : undefined;
  if (head !== undefined && head < subscription.position) return { idle: true };
  const { events, scannedTo, full } = await readMatching(storage, subscription, subscription.position, head, subscription.batchSize, types);
  if (events.length === 0) return scannedTo < subscription.position ? { idle: true } : { skipTo: scannedTo + 1 };
  const last = events[events.length - 1]!;
  return {
    batch: {
      deliveryId: newDeliveryId(),
      events,
      fromPosition: events[0]!.globalPosition,
      toPosition: last.globalPosition,
      nextPosition: full ? last.globalPosition + 1 : scannedTo + 1,
      attempts: 0,
    },
  };
}
