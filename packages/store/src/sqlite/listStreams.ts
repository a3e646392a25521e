import type { StreamSummary } from '@eventlane/contracts';
import type { ListStreamsOptions, Scope, StreamsPage } from '../eventStore.js';
import { globToRegExp } from '../glob.js';
import { run, type Connection } from './connection.js';

const SORT_COLUMNS = {
  streamId: ['stream_id'],
  // Ties (same millisecond) fall back to insertion order of the stream row…
  createdAt: ['created_at', 'id'],
  // …and to the stream's last global position, which is exact commit order within a store.
  updatedAt: ['updated_at', 'last_global_position'],
} as const;

/**
 * Registers `REGEXP` so that `stream_id REGEXP ?` matches the same globs as every other adapter
 * (`globToRegExp`: `*` and `?` only, everything else literal). Compiled patterns are cached.
 */
export function registerRegexp(connection: Connection): void {
  const compiled = new Map<string, RegExp>();
  connection.db.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) => {
    if (typeof pattern !== 'string' || typeof value !== 'string') return 0;
    let regexp = compiled.get(pattern);
    if (!regexp) {
      if (compiled.size > 100) compiled.clear();
      regexp = new RegExp(pattern);
      compiled.set(pattern, regexp);
    }
    return regexp.test(value) ? 1 : 0;
  });
}

/** Streams of a store with their versions. Sorted by `sortBy` (default `streamId`), ascending unless asked. */
export function listStreams(connection: Connection): (scope: Scope, options: ListStreamsOptions) => Promise<StreamsPage> {
  const list = connection.db.transaction((scope: Scope, options: ListStreamsOptions): StreamsPage => {
    const where = ['org = ?', 'store = ?'];
    const params: unknown[] = [scope.org, scope.store];
    if (options.streamType !== undefined) {
      where.push('stream_type = ?');
      params.push(options.streamType);
    }
    if (options.streamIdPattern !== undefined) {
      where.push('stream_id REGEXP ?');
      params.push(globToRegExp(options.streamIdPattern).source);
    }
    const direction = options.sortDirection === 'desc' ? 'DESC' : 'ASC';
    const orderBy = SORT_COLUMNS[options.sortBy ?? 'streamId']
      .map((column) => `${column} ${direction}`)
      .join(', ');
    const limit = Math.max(0, options.limit);
    const rows = connection
      .statement(
        `SELECT stream_id AS streamId, stream_type AS streamType, version AS streamVersion,
                created_at AS createdAt, updated_at AS updatedAt
           FROM streams WHERE ${where.join(' AND ')} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      )
      .all(...params, limit + 1, Math.max(0, options.offset ?? 0)) as StreamSummary[];
    const page: StreamsPage = { streams: rows.slice(0, limit), hasMore: rows.length > limit };
    if (options.includeCount) {
      const { total } = connection
        .statement(`SELECT COUNT(*) AS total FROM streams WHERE ${where.join(' AND ')}`)
        .get(...params) as { total: number };
      page.total = total;
    }
    return page;
  });
  return (scope, options) => run(() => list.deferred(scope, options));
}
