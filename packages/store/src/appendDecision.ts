import type { ExpectedStreamVersion } from '@eventlane/contracts';
import type { AppendResult, NewEvent } from './eventStore.js';
import { DuplicateEventIdError, VersionConflictError } from './errors.js';

/**
 * The rules of an append that every adapter obeys, as pure functions (like Emmett's
 * `expectedVersion.ts`): adapters only find out what is stored and translate the decision to I/O.
 *
 * The order is part of the contract (SPEC.md):
 * 1. an event id repeated within the request → DuplicateEventIdError, whatever is stored;
 * 2. event ids already stored → a replay (every event carries an id and all are stored, in request
 *    order, at consecutive positions of this stream: nothing is written, whatever the expectation)
 *    or else DuplicateEventIdError naming the stored ones;
 * 3. the expectation against the stream's version → VersionConflictError;
 * 4. no events → nothing to write;
 * 5. write.
 */

/** Where a stored event id sits. */
export interface StoredIdAt {
  streamId: string;
  /** Its stream position. */
  position: number;
}

/** An event as both adapters store it: `data` and `metadata` as JSON text, never interpreted. */
export interface EncodedEvent {
  type: string;
  data: string;
  metadata: string | null;
  schemaVersion: string | null;
  /** Undefined when the request gave none; the adapter assigns one when it writes. */
  eventId: string | undefined;
}

/**
 * Encodes events for storage. JSON text round-trips any key (`$set`, `a.b`, `""`, unicode) and key
 * order unchanged, and is never interpreted by either database.
 *
 * @throws TypeError as JSON.stringify does (a BigInt, a cycle)
 */
export function encodeEvents(events: NewEvent[]): EncodedEvent[] {
  return events.map((e) => ({
    type: e.type,
    data: JSON.stringify(e.data ?? {}),
    metadata: e.metadata == null ? null : JSON.stringify(e.metadata),
    schemaVersion: e.schemaVersion ?? null,
    eventId: e.eventId,
  }));
}

/** The ids an append carries, in request order (events without one are left out). */
export function givenEventIds(events: ReadonlyArray<{ eventId?: string | undefined }>): string[] {
  return events.flatMap((e) => (e.eventId === undefined ? [] : [e.eventId]));
}

export function meetsExpectation(expected: ExpectedStreamVersion | undefined, version: number): boolean {
  if (expected === undefined || expected === 'any') return true;
  if (expected === 'no_stream') return version === 0;
  if (expected === 'stream_exists') return version > 0;
  return version === expected;
}

/** @throws VersionConflictError when `expected` does not hold at `version` */
export function assertExpectation(expected: ExpectedStreamVersion | undefined, version: number): void {
  if (!meetsExpectation(expected, version)) throw new VersionConflictError(expected as number | 'no_stream' | 'stream_exists', version);
}

/** @throws DuplicateEventIdError naming each id that occurs more than once in the request */
export function assertNoRepeatedIds(ids: string[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) repeated.add(id);
    seen.add(id);
  }
  if (repeated.size > 0) throw new DuplicateEventIdError([...repeated]);
}

/**
 * Judges the request's ids against those already stored (`stored` may hold more ids than asked).
 * Returns the result of a replay, or null when none of the ids is stored.
 *
 * @throws DuplicateEventIdError when some are stored but this is not a replay of them
 */
export function judgeStoredIds(
  streamId: string,
  ids: string[],
  eventCount: number,
  stored: ReadonlyMap<string, StoredIdAt>,
): AppendResult | null {
  const found = ids.filter((id) => stored.has(id));
  if (found.length === 0) return null;
  const first = stored.get(ids[0]!);
  // Only a request whose every event carries an id can be proven a replay.
  const replay =
    ids.length === eventCount &&
    found.length === ids.length &&
    first !== undefined &&
    ids.every((id, i) => {
      const at = stored.get(id)!;
      return at.streamId === streamId && at.position === first.position + i;
    });
  if (replay) return { nextExpectedStreamVersion: first.position + ids.length, eventsWritten: 0 };
  throw new DuplicateEventIdError(found);
}

export type AppendDecision =
  /** Nothing to write: a replay, or an empty batch. */
  | { kind: 'answer'; result: AppendResult }
  /** Write the events at `version` (the stream's version now). */
  | { kind: 'write'; version: number };

export interface AppendFacts {
  streamId: string;
  expected: ExpectedStreamVersion | undefined;
  /** The ids the request carries, in request order. */
  ids: string[];
  eventCount: number;
  /** The stream's version as the adapter knows it (a fact it has checked, or will check by writing there). */
  version: number;
  /** Where the request's ids are stored already (absent = not stored). */
  stored: ReadonlyMap<string, StoredIdAt>;
}

/**
 * Decides an append from what is stored.
 *
 * @throws DuplicateEventIdError, VersionConflictError (nothing may be written)
 * @example
 * const decision = decideAppend({ streamId, expected, ids, eventCount, version, stored });
 * if (decision.kind === 'answer') return decision.result;
 */
export function decideAppend(facts: AppendFacts): AppendDecision {
  assertNoRepeatedIds(facts.ids);
  if (facts.ids.length > 0) {
    const replay = judgeStoredIds(facts.streamId, facts.ids, facts.eventCount, facts.stored);
    if (replay) return { kind: 'answer', result: replay };
  }
  assertExpectation(facts.expected, facts.version);
  if (facts.eventCount === 0) return { kind: 'answer', result: { nextExpectedStreamVersion: facts.version, eventsWritten: 0 } };
  return { kind: 'write', version: facts.version };
}
