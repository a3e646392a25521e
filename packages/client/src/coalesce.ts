import type { AppendRequest, AppendResponse, ExpectedStreamVersion } from '@eventlane/contracts';
import type { ClientLimits, OutboxEntry } from './types.js';

const encoder = new TextEncoder();

/** Room kept for `{"events":[...],"options":{"expectedStreamVersion":...}}` around the events. */
const ENVELOPE_BYTES = 128;

function bytesOf(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/** The stream's version once an append with `expected` and `count` events lands, when it can be known in advance. */
function versionAfter(expected: ExpectedStreamVersion | undefined, count: number): number | null {
  if (typeof expected === 'number') return expected + count;
  if (expected === 'no_stream') return count;
  return null;
}

/**
 * Whether `follower` can ride in the same request as the entries before it, given the version
 * the stream will have after them (`null`: unknown). `any`/absent always holds; `stream_exists`
 * holds because the earlier entries wrote at least one event; a number holds only if it is that
 * exact version; `no_stream` never holds after a write.
 */
export function chainsAfter(follower: OutboxEntry, after: number | null): boolean {
  const expected = follower.expectedStreamVersion;
  if (expected === undefined || expected === 'any' || expected === 'stream_exists') return true;
  if (typeof expected === 'number') return after !== null && expected === after;
  return false;
}

/**
 * The leading entries of one stream's queue to send as one request: consecutive entries whose
 * expectations chain, within the server's event count and (estimated) body size. The first
 * entry always goes, even alone over a limit: the server's 400/413 then rejects it.
 */
export function planBatch(queue: readonly OutboxEntry[], limits: ClientLimits, maxEntries = Infinity): OutboxEntry[] {
  const head = queue[0];
  if (!head) return [];
  const batch = [head];
  let events = head.events.length;
  let bytes = ENVELOPE_BYTES + bytesOf(head.events);
  let after = versionAfter(head.expectedStreamVersion, head.events.length);
  for (const next of queue.slice(1)) {
    if (batch.length >= maxEntries) break;
    if (next.state !== 'pending' || !chainsAfter(next, after)) break;
    const nextBytes = bytesOf(next.events);
    if (events + next.events.length > limits.maxEventsPerAppend || bytes + nextBytes > limits.maxBodyBytes) break;
    batch.push(next);
    events += next.events.length;
    bytes += nextBytes;
    after = after === null ? null : after + next.events.length;
  }
  return batch;
}

/** One request for a batch: the events in queue order, checked against the first entry's expectation. */
export function buildAppendRequest(batch: readonly OutboxEntry[]): AppendRequest {
  const events = batch.flatMap((entry) => entry.events);
  const expected = batch[0]?.expectedStreamVersion;
  return expected === undefined ? { events } : { events, options: { expectedStreamVersion: expected } };
}

/** Splits the server's answer for a coalesced request into one answer per entry, as if each had been sent alone. */
export function splitAppendResponse(batch: readonly OutboxEntry[], response: AppendResponse): AppendResponse[] {
  const replayed = response.eventsWritten === 0;
  let end = response.nextExpectedStreamVersion - batch.reduce((sum, entry) => sum + entry.events.length, 0);
  return batch.map((entry) => {
    end += entry.events.length;
    return { success: true, nextExpectedStreamVersion: end, eventsWritten: replayed ? 0 : entry.events.length };
  });
}

/**
 * When `entry` moves from expecting `from` to `to` (a rebase), the numeric expectations of the
 * followers that chained on it move by the same amount, so the rest of the queue stays in step.
 * Returns the followers' new expectations, by id; a follower that did not chain ends the walk.
 */
export function rebaseFollowers(
  entry: OutboxEntry,
  to: number,
  followers: readonly OutboxEntry[],
): Map<number, ExpectedStreamVersion | undefined> {
  const changes = new Map<number, ExpectedStreamVersion | undefined>();
  let oldAfter = versionAfter(entry.expectedStreamVersion, entry.events.length);
  let newAfter = to + entry.events.length;
  for (const follower of followers) {
    const expected = follower.expectedStreamVersion;
    if (typeof expected === 'number') {
      if (oldAfter === null || expected !== oldAfter) break;
      changes.set(follower.id, newAfter);
    } else if (expected === 'no_stream') break;
    oldAfter = oldAfter === null ? null : oldAfter + follower.events.length;
    newAfter += follower.events.length;
  }
  return changes;
}
