/**
 * The history checker: given every operation the writers made (with what they were told) and
 * everything storage holds afterwards, lists each way the invariants of DESIGN.md were broken.
 * Pure: no I/O, so its own tests can feed it broken histories.
 */

export type Expectation = number | 'no_stream' | 'stream_exists' | 'any' | 'omitted';

/** What the writer concluded: `ok` (200), `conflict` (409 version), `duplicate` (409 ids),
 * `rejected` (400, a bug in the workload or server), `unknown` (never got a definite answer). */
export type Outcome = 'ok' | 'conflict' | 'duplicate' | 'rejected' | 'unknown';

export interface Operation {
  id: number;
  writer: number;
  streamId: string;
  expected: Expectation;
  eventIds: string[];
  /** ms since the run started: first attempt sent, last attempt answered. */
  invokedAt: number;
  completedAt: number;
  attempts: number;
  outcome: Outcome;
  /** For `ok`: the answer's nextExpectedStreamVersion and eventsWritten. */
  nextExpectedStreamVersion?: number;
  eventsWritten?: number;
}

export interface StoredEventView {
  eventId: string;
  streamId: string;
  streamPosition: number;
  globalPosition: number;
  transactionId: string;
}

export interface ReaderObservation {
  eventId: string;
  globalPosition: number;
}

export interface Violation {
  kind:
    | 'lost_ack'
    | 'wrong_position'
    | 'partial_batch'
    | 'position_gap_or_duplicate'
    | 'stream_version_mismatch'
    | 'duplicate_event_id'
    | 'phantom_event'
    | 'conflict_wrote'
    | 'duplicate_answer_but_stored'
    | 'expectation_not_met'
    | 'real_time_order'
    | 'reader_duplicate'
    | 'reader_skipped'
    | 'reader_out_of_order';
  message: string;
}

export interface CheckInput {
  operations: Operation[];
  /** Every stored event of the store, in any order. */
  events: StoredEventView[];
  /** The version each stream reports (`readStream().currentStreamVersion`). */
  streamVersions: Map<string, number>;
  /** What a catch-up reader saw, in the order it saw it; null when no reader ran. */
  reader: ReaderObservation[] | null;
}

export function checkHistory(input: CheckInput): Violation[] {
  const violations: Violation[] = [];
  const add = (kind: Violation['kind'], message: string) => violations.push({ kind, message });

  // Storage on its own: ids unique, positions 0..N-1 per stream, reported version N.
  const byId = new Map<string, StoredEventView>();
  for (const event of input.events) {
    if (byId.has(event.eventId)) add('duplicate_event_id', `event ${event.eventId} is stored twice`);
    byId.set(event.eventId, event);
  }
  const byStream = new Map<string, StoredEventView[]>();
  for (const event of input.events) {
    const list = byStream.get(event.streamId) ?? [];
    list.push(event);
    byStream.set(event.streamId, list);
  }
  for (const [streamId, list] of byStream) {
    const positions = list.map((e) => e.streamPosition).sort((a, b) => a - b);
    for (let i = 0; i < positions.length; i++) {
      if (positions[i] !== i) {
        add('position_gap_or_duplicate', `stream ${streamId}: expected position ${i}, found ${positions[i]} (positions ${summarise(positions)})`);
        break;
      }
    }
    const reported = input.streamVersions.get(streamId);
    if (reported !== undefined && reported !== list.length) {
      add('stream_version_mismatch', `stream ${streamId} reports version ${reported} but holds ${list.length} events`);
    }
  }

  // Every stored event belongs to some operation, and each transaction holds exactly one operation's ids.
  const opOfEvent = new Map<string, Operation>();
  for (const op of input.operations) for (const id of op.eventIds) opOfEvent.set(id, op);
  const byTransaction = new Map<string, StoredEventView[]>();
  for (const event of input.events) {
    if (!opOfEvent.has(event.eventId)) add('phantom_event', `stored event ${event.eventId} was never sent`);
    const list = byTransaction.get(event.transactionId) ?? [];
    list.push(event);
    byTransaction.set(event.transactionId, list);
  }

  const placed = new Map<number, { first: number; last: number }>();
  for (const op of input.operations) {
    const stored = op.eventIds.map((id) => byId.get(id));
    const present = stored.filter((e): e is StoredEventView => e !== undefined);
    const label = `op ${op.id} (writer ${op.writer}, ${op.streamId}, expected ${String(op.expected)}, ${op.outcome})`;

    if (present.length > 0 && present.length < op.eventIds.length) {
      add('partial_batch', `${label}: ${present.length} of ${op.eventIds.length} events stored`);
      continue;
    }
    if (present.length === 0) {
      if (op.outcome === 'ok') add('lost_ack', `${label}: acknowledged (next version ${op.nextExpectedStreamVersion}) but none of its events is stored`);
      continue;
    }
    // The whole batch is stored: in its stream, consecutive, in order, in one transaction of its own.
    const first = present[0]!;
    const consecutive = present.every(
      (e, i) => e.streamId === op.streamId && e.streamPosition === first.streamPosition + i && e.transactionId === first.transactionId,
    );
    const transaction = byTransaction.get(first.transactionId) ?? [];
    if (!consecutive || transaction.length !== op.eventIds.length) {
      add('partial_batch', `${label}: stored at ${present.map((e) => `${e.streamId}@${e.streamPosition}/${e.transactionId.slice(0, 8)}`).join(', ')} (transaction holds ${transaction.length})`);
      continue;
    }
    const last = first.streamPosition + op.eventIds.length - 1;
    placed.set(op.id, { first: first.streamPosition, last });

    if (op.outcome === 'conflict') add('conflict_wrote', `${label}: answered 409 but its events are stored at ${first.streamPosition}..${last}`);
    if (op.outcome === 'duplicate') add('duplicate_answer_but_stored', `${label}: answered 409 duplicate but its events are stored as its batch`);
    if (op.outcome === 'ok' && op.nextExpectedStreamVersion !== last + 1) {
      add('wrong_position', `${label}: acknowledged next version ${op.nextExpectedStreamVersion} but stored at ${first.streamPosition}..${last}`);
    }
    if (typeof op.expected === 'number' && first.streamPosition !== op.expected) {
      add('expectation_not_met', `${label}: expected version ${op.expected} but the batch starts at position ${first.streamPosition}`);
    }
    if (op.expected === 'no_stream' && first.streamPosition !== 0) {
      add('expectation_not_met', `${label}: no_stream but the batch starts at position ${first.streamPosition}`);
    }
    if (op.expected === 'stream_exists' && first.streamPosition === 0) {
      add('expectation_not_met', `${label}: stream_exists but the batch created the stream`);
    }
  }

  // Real-time order: an append that completed before another began sits lower in the same stream.
  const opsByStream = new Map<string, Operation[]>();
  for (const op of input.operations) {
    if (!placed.has(op.id)) continue;
    const list = opsByStream.get(op.streamId) ?? [];
    list.push(op);
    opsByStream.set(op.streamId, list);
  }
  for (const [streamId, ops] of opsByStream) {
    // Sorted by completion, a later-invoked op only needs comparing with the latest-placed op completed before it.
    const byCompletion = [...ops].sort((a, b) => a.completedAt - b.completedAt);
    const byInvocation = [...ops].sort((a, b) => a.invokedAt - b.invokedAt);
    let cursor = 0;
    let highest: { op: Operation; last: number } | null = null;
    for (const op of byInvocation) {
      while (cursor < byCompletion.length && byCompletion[cursor]!.completedAt < op.invokedAt) {
        const done = byCompletion[cursor]!;
        const last = placed.get(done.id)!.last;
        if (!highest || last > highest.last) highest = { op: done, last };
        cursor++;
      }
      const mine = placed.get(op.id)!;
      if (highest && highest.op.id !== op.id && mine.first <= highest.last) {
        add('real_time_order', `stream ${streamId}: op ${highest.op.id} completed (t=${highest.op.completedAt}) before op ${op.id} began (t=${op.invokedAt}) yet sits at ${highest.last} ≥ ${mine.first}`);
      }
    }
  }

  // The catch-up reader: increasing global positions, each event once, none skipped.
  if (input.reader) {
    const seen = new Set<string>();
    let previous = -Infinity;
    for (const observation of input.reader) {
      if (seen.has(observation.eventId)) add('reader_duplicate', `reader saw ${observation.eventId} twice`);
      seen.add(observation.eventId);
      if (observation.globalPosition <= previous) {
        add('reader_out_of_order', `reader saw global position ${observation.globalPosition} after ${previous}`);
      }
      previous = observation.globalPosition;
    }
    for (const event of input.events) {
      if (!seen.has(event.eventId)) add('reader_skipped', `reader never saw ${event.eventId} (global position ${event.globalPosition})`);
    }
  }
  return violations;
}

function summarise(positions: number[]): string {
  return positions.length <= 12 ? positions.join(',') : `${positions.slice(0, 6).join(',')},…,${positions.slice(-6).join(',')}`;
}
