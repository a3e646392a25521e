import type { AppendResponse } from '@eventlane/contracts';
import { ReadError, readAllStreamEvents, type ReadTransport } from './transport.js';
import type { OutboxEvent } from './outboxMachine.js';
import type { OutboxEntry, OutboxError } from './types.js';

/** What becomes of one entry of a batch: the event it takes (the state follows from the table) and the fields that change with it. */
export type EntryUpdate = [id: number, event: OutboxEvent, change: Partial<Omit<OutboxEntry, 'state'>>];

export function syncedUpdate(id: number, result: AppendResponse): EntryUpdate {
  return [id, 'stored', { result, lastError: null, currentVersion: null, nextAttemptAt: 0 }];
}

export type ReconcileOutcome =
  /** Updates for a prefix of the batch (synced entries, possibly ending in one rejected entry). */
  | { kind: 'ok'; updates: EntryUpdate[] }
  | { kind: 'read_failed'; error: OutboxError };

/**
 * Works out from the stream itself what became of a batch the server answered with a 409:
 * an entry whose events are all in the stream, at consecutive positions, was stored (by an
 * earlier attempt whose answer was lost) and is synced with `eventsWritten: 0`, like an
 * idempotent replay. An entry stored only in part, or whose ids the server names but the stream
 * lacks (stored in another stream), can never be written as asked and is rejected. The first
 * entry with none of its events stored ends the walk: it and those after it were not written.
 */
export async function reconcileBatch(
  reader: ReadTransport,
  batch: readonly OutboxEntry[],
  namedIds: readonly string[],
  now: number,
  pageSize = 1000,
): Promise<ReconcileOutcome> {
  const head = batch[0];
  if (!head) return { kind: 'ok', updates: [] };
  const from = typeof head.expectedStreamVersion === 'number' ? head.expectedStreamVersion : 0;
  let positions: Map<string, number>;
  try {
    const events = await readAllStreamEvents(reader, head.store, head.streamId, from, pageSize);
    positions = new Map(events.map((event) => [event.eventId, event.streamPosition]));
  } catch (error) {
    const auth = error instanceof ReadError && error.kind === 'auth';
    const message = `Could not read the stream to reconcile a 409: ${(error as Error)?.message ?? String(error)}`;
    return {
      kind: 'read_failed',
      error: auth ? { kind: 'unauthorized', status: (error as ReadError).status, message, at: now } : { kind: 'network', message, at: now },
    };
  }
  const named = new Set(namedIds);
  const updates: EntryUpdate[] = [];
  for (const entry of batch) {
    const found = entry.events.map((event) => positions.get(event.eventId));
    const first = found[0];
    const complete = first !== undefined && found.every((position, i) => position === first + i);
    if (complete) {
      updates.push(syncedUpdate(entry.id, { success: true, nextExpectedStreamVersion: first + found.length, eventsWritten: 0 }));
      continue;
    }
    if (found.some((position) => position !== undefined) || entry.events.some((event) => named.has(event.eventId))) {
      const error: OutboxError = {
        kind: 'duplicate_event_id',
        status: 409,
        message: 'Some of these event ids are stored already, elsewhere or only in part; the append cannot be written as queued',
        eventIds: entry.events.map((event) => event.eventId).filter((id) => named.has(id) || positions.has(id)),
        at: now,
      };
      updates.push([entry.id, 'refused', { lastError: error }]);
    }
    break;
  }
  return { kind: 'ok', updates };
}
