import type { EventsPage, ReadStreamOptions, Scope } from '../eventStore.js';
import { run, type Connection } from './connection.js';
import { readEvents } from './readEvents.js';

export type ReadStream = (
  scope: Scope,
  streamId: string,
  options: ReadStreamOptions,
) => Promise<EventsPage & { currentStreamVersion: number }>;

export function streamVersion(connection: Connection, scope: Scope, streamId: string): number {
  const row = connection
    .statement('SELECT version FROM streams WHERE org = ? AND store = ? AND stream_id = ?')
    .get(scope.org, scope.store, streamId) as { version: number } | undefined;
  return row?.version ?? 0;
}

/** A stream's events by stream position. The page and the version come from one snapshot. */
export function readStream(connection: Connection): ReadStream {
  const read = connection.db.transaction((scope: Scope, streamId: string, options: ReadStreamOptions) => {
    const page = readEvents(connection, scope, {
      position: 'stream_position',
      streamId,
      types: options.types,
      from: options.fromPosition,
      to: options.toPosition,
      limit: options.limit,
      offset: options.offset,
      sortDirection: options.sortDirection,
      includeCount: options.includeCount,
    });
    return { ...page, currentStreamVersion: streamVersion(connection, scope, streamId) };
  });
  return (scope, streamId, options) => run(() => read.deferred(scope, streamId, options));
}
