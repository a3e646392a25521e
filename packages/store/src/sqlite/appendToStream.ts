import { randomUUID } from 'node:crypto';
import { parseStreamType } from '@eventlane/contracts';
import { decideAppend, encodeEvents, givenEventIds, type EncodedEvent, type StoredIdAt } from '../appendDecision.js';
import type { AppendOptions, AppendResult, NewEvent, Scope } from '../eventStore.js';
import { DuplicateEventIdError, UnavailableError, VersionConflictError } from '../errors.js';
import { isUniqueViolation, toStoreError, type Connection } from './connection.js';
import { streamVersion } from './readStream.js';

export type AppendToStream = (
  scope: Scope,
  streamId: string,
  events: NewEvent[],
  options?: AppendOptions,
) => Promise<AppendResult>;

/** A stored event id as the id lookup returns it. */
interface StoredId {
  eventId: string;
  streamId: string;
  streamPosition: number;
}

/** Most appends committed together; the rest wait for the next group. */
export const MAX_GROUP_COMMIT = 256;

/** One append as the writer receives it (plain data: it may cross a thread boundary). */
export interface AppendRequest {
  scope: Scope;
  streamId: string;
  events: EncodedEvent[];
  options: AppendOptions;
}

export type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

/**
 * Commits a group of appends in one transaction, synchronously: used by the writer thread and
 * by the in-thread writer. Returns one outcome per request, errors already in the store's terms
 * (see toStoreError); an error that fails the whole group (BEGIN or COMMIT failed, SQLite rolled
 * back) comes back as the same outcome for every request: none of them was written.
 */
export type CommitGroup = (batch: AppendRequest[]) => Outcome[];

/**
 * One append = one BEGIN IMMEDIATE transaction (shared with the appends queued with it: see the
 * group commit below): the write lock is taken before the first read,
 * so the id lookup, the version check and the writes see no other writer in between (invariant
 * 4), and the whole batch commits or none of it does (invariant 2). With synchronous=FULL the
 * commit is on disk before the outcomes are returned (invariant 3).
 */
export function groupCommitter(connection: Connection): CommitGroup {
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

  const append = db.transaction(({ scope, streamId, events, options }: AppendRequest): AppendResult => {
    const { org, store } = scope;
    const ids = givenEventIds(events);
    const stored = new Map<string, StoredIdAt>();
    if (ids.length > 0) {
      for (const row of findIds.all(org, store, JSON.stringify(ids)) as StoredId[]) {
        stored.set(row.eventId, { streamId: row.streamId, position: row.streamPosition });
      }
    }
    // Under the write lock: the version and the ids read here are the truth until COMMIT.
    const version = streamVersion(connection, scope, streamId);
    const decision = decideAppend({
      streamId,
      expected: options.expectedStreamVersion,
      ids,
      eventCount: events.length,
      version,
      stored,
    });
    if (decision.kind === 'answer') return decision.result;

    const next = (storeHead.get(org, store) as { next: number } | undefined)?.next ?? 0;
    const streamType = parseStreamType(streamId);
    const transactionId = randomUUID();
    const now = new Date().toISOString();
    events.forEach((e, i) => {
      insertEvent.run(
        org, store, next + i, streamId, streamType, version + i, e.eventId ?? randomUUID(), e.type,
        e.data, e.metadata, e.schemaVersion, transactionId, now,
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
  const explainUniqueViolation = (error: unknown, { scope, streamId, events, options }: AppendRequest) => {
    if (!isUniqueViolation(error)) return error;
    if (error.message.includes('events.event_id')) {
      const ids = givenEventIds(events);
      const stored = new Set((findIds.all(scope.org, scope.store, JSON.stringify(ids)) as StoredId[]).map((r) => r.eventId));
      return new DuplicateEventIdError(ids.filter((id) => stored.has(id)));
    }
    const expected = options.expectedStreamVersion;
    if (error.message.includes('events.stream_position') && expected !== undefined && expected !== 'any')
      return new VersionConflictError(expected, streamVersion(connection, scope, streamId));
    return new UnavailableError('Another writer changed the stream meanwhile; retry', { cause: error });
  };

  /**
   * Group commit: the appends queued together share one BEGIN IMMEDIATE transaction and so one
   * fsync. Each append runs in its own savepoint (better-sqlite3 nests transaction functions as
   * savepoints) and sees the ones before it, so its checks are exactly those of an append alone
   * (invariant 4), and a conflict rolls back only its own writes (invariant 2). The outcomes are
   * returned only after COMMIT has returned: with synchronous=FULL every acknowledged append is on
   * disk (invariant 3).
   */
  const group = db.transaction((batch: AppendRequest[]): Outcome[] =>
    batch.map((request): Outcome => {
      try {
        return { ok: true, result: append(request) };
      } catch (error) {
        // SQLite itself rolled the whole transaction back (I/O error, full disk): nothing of the group stays.
        if (!db.inTransaction) throw error;
        return { ok: false, error: toStoreError(explainUniqueViolation(error, request)) };
      }
    }),
  );

  return (batch) => {
    try {
      return group.immediate(batch);
    } catch (error) {
      // BEGIN or COMMIT failed, or the group was rolled back: none of these appends was written.
      const mapped = toStoreError(error);
      return batch.map(() => ({ ok: false, error: mapped }));
    }
  };
}

/**
 * Queues requests and commits them in groups: the requests that arrive while the event loop is
 * busy (above all during the previous commit's fsync, which is synchronous) share one group. Runs
 * on whichever thread owns the connection; `deliver` gets each group's outcomes after its COMMIT.
 */
export function groupCommitQueue<T>(
  commit: CommitGroup,
  deliver: (items: T[], outcomes: Outcome[]) => void,
): { enqueue(request: AppendRequest, item: T): void; size(): number } {
  let queue: Array<{ request: AppendRequest; item: T }> = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = queue.slice(0, MAX_GROUP_COMMIT);
    queue = queue.slice(batch.length);
    if (queue.length > 0) schedule();
    const outcomes = commit(batch.map((queued) => queued.request));
    deliver(batch.map((queued) => queued.item), outcomes);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  return {
    enqueue(request, item) {
      queue.push({ request, item });
      schedule();
    },
    size: () => queue.length,
  };
}

/** The append running on the calling thread: group commit with the commit's fsync on this event loop. */
export function appendToStream(connection: Connection): AppendToStream {
  const queue = groupCommitQueue<(outcome: Outcome) => void>(groupCommitter(connection), (settlers, outcomes) =>
    settlers.forEach((settle, i) => settle(outcomes[i]!)),
  );
  return (scope, streamId, events, options = {}) =>
    new Promise<AppendResult>((resolve, reject) => {
      const request = { scope, streamId, events: encodeEvents(events), options };
      queue.enqueue(request, (outcome) => (outcome.ok ? resolve(outcome.result) : reject(outcome.error)));
    });
}
