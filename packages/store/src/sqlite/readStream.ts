import type { StoredEvent } from '@eventlane/contracts';
import type { EventsPage, ReadStreamOptions, Scope } from '../eventStore.js';
import { run, type Connection } from './connection.js';
import { readEvents, toStoredEvent, type RowForm } from './readEvents.js';

export type ReadStream<E = StoredEvent> = (
  scope: Scope,
  streamId: string,
  options: ReadStreamOptions,
) => Promise<EventsPage<E> & { currentStreamVersion: number }>;

export function streamVersion(connection: Connection, scope: Scope, streamId: string): number {
  const row = connection
    .statement('SELECT version FROM streams WHERE org = ? AND store = ? AND stream_id = ?')
    .get(scope.org, scope.store, streamId) as { version: number } | undefined;
  return row?.version ?? 0;
}

/** A stream's events by stream position. The page and the version come from one snapshot. */
export function readStream(connection: Connection): ReadStream;
export function readStream<E>(connection: Connection, form: RowForm<E>): ReadStream<E>;
export function readStream(connection: Connection, form: RowForm<unknown> = toStoredEvent): ReadStream<unknown> {
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
    }, form);
    return { ...page, currentStreamVersion: streamVersion(connection, scope, streamId) };
  });
  return (scope, streamId, options) => run(() => read.deferred(scope, streamId, options));
}
