import { randomUUID } from 'node:crypto';
import { parseStreamType, type ExpectedStreamVersion } from '@eventlane/contracts';
import type { AppendOptions, AppendResult, NewEvent, Scope } from '../eventStore';
import { DuplicateEventIdError, UnavailableError, VersionConflictError } from '../errors';
import { isUniqueViolation, run, type Connection } from './connection';
import { streamVersion } from './readStream';

export type AppendToStream = (
  scope: Scope,
  streamId: string,
  events: NewEvent[],
  options?: AppendOptions,
) => Promise<AppendResult>;

/** @throws VersionConflictError when `expected` does not hold at `current` */
export function assertExpectedVersion(expected: ExpectedStreamVersion | undefined, current: number): void {
  if (expected === undefined || expected === 'any') return;
  if (expected === 'no_stream') {
    if (current !== 0) throw new VersionConflictError('no_stream', current);
  } else if (expected === 'stream_exists') {
    if (current === 0) throw new VersionConflictError('stream_exists', current);
  } else if (current !== expected) {
    throw new VersionConflictError(expected, current);
  }
}

interface StoredId {
  eventId: string;
  streamId: string;
  streamPosition: number;
}

/**
 * Idempotency by eventId, decided before the expectation so that a retry carrying a stale
 * expectation is still answered as a replay:
 * - every given id stored in this stream, in request order, at consecutive positions → the
 *   version right after them (nothing written);
 * - some stored, or stored elsewhere, or out of order, or an id repeated within the request →
 *   DuplicateEventIdError naming those ids in request order;
 * - none stored → undefined: go on and write.
 */
function replayOf(streamId: string, ids: string[], stored: Map<string, StoredId>): AppendResult | undefined {
  if (stored.size === 0) {
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (repeated.length > 0) throw new DuplicateEventIdError([...new Set(repeated)]);
    return undefined;
  }
  const found = ids.map((id) => stored.get(id));
  const isReplay = found.every(
    (hit, i) => hit !== undefined && hit.streamId === streamId && (i === 0 || hit.streamPosition === found[i - 1]!.streamPosition + 1),
  );
  if (isReplay) return { nextExpectedStreamVersion: found[found.length - 1]!.streamPosition + 1, eventsWritten: 0 };
  throw new DuplicateEventIdError([...new Set(ids.filter((id) => stored.has(id)))]);
}

/**
 * One append = one BEGIN IMMEDIATE transaction: the write lock is taken before the first read,
 * so the id lookup, the version check and the writes see no other writer in between (invariant
 * 4), and the whole batch commits or none of it does (invariant 2). With synchronous=FULL the
 * commit is on disk before the promise resolves (invariant 3).
 */
export function appendToStream(connection: Connection): AppendToStream {
  const { db } = connection;
  const findIds = db.prepare(
    `SELECT event_id AS eventId, stream_id AS streamId, stream_position AS streamPosition
       FROM events WHERE org = ? AND store = ? AND event_id IN (SELECT value FROM json_each(?))`,
  );
  const storeHead = db.prepare('SELECT next_global_position AS next FROM stores WHERE org = ? AND store = ?');
  const insertEvent = db.prepare(
    `INSERT INTO events (org, store, global_position, stream_id, stream_type, stream_position, event_id,
       type, data, metadata, schema_version, transaction_id, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const upsertStream = db.prepare(
    `INSERT INTO streams (org, store, stream_id, stream_type, version, last_global_position, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (org, store, stream_id) DO UPDATE SET
       version = excluded.version, last_global_position = excluded.last_global_position, updated_at = excluded.updated_at`,
  );
  const upsertStore = db.prepare(
    `INSERT INTO stores (org, store, description, created_at, next_global_position) VALUES (?, ?, NULL, ?, ?)
     ON CONFLICT (org, store) DO UPDATE SET next_global_position = excluded.next_global_position`,
  );

  const append = db.transaction((scope: Scope, streamId: string, events: NewEvent[], options: AppendOptions): AppendResult => {
    const { org, store } = scope;
    const ids = events.flatMap((e) => (e.eventId === undefined ? [] : [e.eventId]));
    if (ids.length > 0) {
      const rows = findIds.all(org, store, JSON.stringify(ids)) as StoredId[];
      const replay = replayOf(streamId, ids, new Map(rows.map((row) => [row.eventId, row])));
      if (replay) return replay;
    }
    const version = streamVersion(connection, scope, streamId);
    assertExpectedVersion(options.expectedStreamVersion, version);
    if (events.length === 0) return { nextExpectedStreamVersion: version, eventsWritten: 0 };

    const next = (storeHead.get(org, store) as { next: number } | undefined)?.next ?? 0;
    const streamType = parseStreamType(streamId);
    const transactionId = randomUUID();
    const now = new Date().toISOString();
    events.forEach((e, i) => {
      insertEvent.run(
        org, store, next + i, streamId, streamType, version + i, e.eventId ?? randomUUID(), e.type,
        JSON.stringify(e.data), e.metadata == null ? null : JSON.stringify(e.metadata), e.schemaVersion ?? null,
        transactionId, now,
      );
    });
    const last = next + events.length - 1;
    upsertStream.run(org, store, streamId, streamType, version + events.length, last, now, now);
    upsertStore.run(org, store, now, last + 1);
    return { nextExpectedStreamVersion: version + events.length, eventsWritten: events.length };
  });

  /**
   * The checks inside the transaction make a unique violation unreachable while every writer goes
   * through this adapter; should one fire anyway (a foreign writer, a bug), it is still answered in
   * the port's terms, from a fresh look at what is stored.
   */
  const explainUniqueViolation = (error: unknown, scope: Scope, streamId: string, events: NewEvent[], options: AppendOptions) => {
    if (!isUniqueViolation(error)) return error;
    if (error.message.includes('events.event_id')) {
      const ids = events.flatMap((e) => (e.eventId === undefined ? [] : [e.eventId]));
      const stored = new Set((findIds.all(scope.org, scope.store, JSON.stringify(ids)) as StoredId[]).map((r) => r.eventId));
      return new DuplicateEventIdError(ids.filter((id) => stored.has(id)));
    }
    const expected = options.expectedStreamVersion;
    if (error.message.includes('events.stream_position') && expected !== undefined && expected !== 'any')
      return new VersionConflictError(expected, streamVersion(connection, scope, streamId));
    return new UnavailableError('Another writer changed the stream meanwhile; retry', { cause: error });
  };

  return (scope, streamId, events, options = {}) =>
    run(() => {
      try {
        return append.immediate(scope, streamId, events, options);
      } catch (error) {
        throw explainUniqueViolation(error, scope, streamId, events, options);
      }
    });
}
