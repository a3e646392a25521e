import type { GlobalEvent } from '@eventlane/contracts';
import type { EventsPage, JsonTextEvent, Scope, SortDirection } from '../eventStore.js';
import type { Connection } from './connection.js';

const EVENT_COLUMNS = `event_id AS eventId, stream_id AS streamId, stream_type AS streamType,
  stream_position AS streamPosition, global_position AS globalPosition, type, data, metadata,
  schema_version AS schemaVersion, transaction_id AS transactionId, created_at AS createdAt`;

/** SQLite gives every event its global position in the append, so every row has one. */
type EventRow = JsonTextEvent<GlobalEvent>;

export function toStoredEvent(row: EventRow): GlobalEvent {
  return {
    ...row,
    data: JSON.parse(row.data) as GlobalEvent['data'],
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as GlobalEvent['metadata']),
  };
}

export interface EventQuery {
  /** Which position `from`/`to` bound and the order follows. */
  position: 'stream_position' | 'global_position';
  streamId?: string;
  types?: string[];
  from?: number;
  to?: number;
  limit: number;
  offset?: number;
  sortDirection?: SortDirection;
  includeCount?: boolean;
}

/** How a read gives each row: parsed (the port's reads) or with data and metadata as stored text (`jsonText`). */
export type RowForm<E> = (row: EventRow) => E;
export const asJsonText: RowForm<EventRow> = (row) => row;

/**
 * The query behind readStream and readStore. Each combination of present filters is its own SQL
 * text, prepared once. An empty `types` list means no type filter. Reads one row past `limit` to
 * answer `hasMore` without counting. Call inside a read transaction when other reads must agree.
 */
export function readEvents<E>(connection: Connection, scope: Scope, query: EventQuery, form: RowForm<E>): EventsPage<E> {
  const where = ['org = ?', 'store = ?'];
  const params: unknown[] = [scope.org, scope.store];
  if (query.streamId !== undefined) {
    where.push('stream_id = ?');
    params.push(query.streamId);
  }
  if (query.from !== undefined) {
    where.push(`${query.position} >= ?`);
    params.push(query.from);
  }
  if (query.to !== undefined) {
    where.push(`${query.position} <= ?`);
    params.push(query.to);
  }
  if (query.types && query.types.length > 0) {
    where.push('type IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(query.types));
  }
  const direction = query.sortDirection === 'desc' ? 'DESC' : 'ASC';
  // Within one stream, stream and global positions grow together (appends are serialised), so
  // ordering by stream position gives the same order and lets SQLite use the stream's index.
  const orderBy = query.streamId !== undefined ? 'stream_position' : query.position;
  const limit = Math.max(0, query.limit);
  const offset = Math.max(0, query.offset ?? 0);
  const rows = connection
    .statement(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY ${orderBy} ${direction} LIMIT ? OFFSET ?`)
    .all(...params, limit + 1, offset) as EventRow[];
  const page: EventsPage<E> = { events: rows.slice(0, limit).map(form), hasMore: rows.length > limit };
  if (query.includeCount) {
    const { total } = connection
      .statement(`SELECT COUNT(*) AS total FROM events WHERE ${where.join(' AND ')}`)
      .get(...params) as { total: number };
    page.total = total;
  }
  return page;
}
