import type { GlobalEvent } from '@eventlane/contracts';
import type { EventsPage, ReadStoreOptions, Scope } from '../eventStore.js';
import { run, type Connection } from './connection.js';
import { readEvents, toStoredEvent, type RowForm } from './readEvents.js';

/**
 * A store's events in global order. Appends commit under the write lock with contiguous
 * positions taken from the store's counter, and one SELECT sees one committed snapshot, so a
 * catch-up reader asking for `fromPosition = last seen + 1` never skips or repeats an event.
 */
export function readStore(connection: Connection): (scope: Scope, options: ReadStoreOptions) => Promise<EventsPage<GlobalEvent>>;
export function readStore<E>(connection: Connection, form: RowForm<E>): (scope: Scope, options: ReadStoreOptions) => Promise<EventsPage<E>>;
export function readStore(
  connection: Connection,
  form: RowForm<unknown> = toStoredEvent,
): (scope: Scope, options: ReadStoreOptions) => Promise<EventsPage<unknown>> {
  const read = connection.db.transaction((scope: Scope, options: ReadStoreOptions) =>
    readEvents(connection, scope, {
      position: 'global_position',
      streamId: options.streamId,
      types: options.types,
      from: options.fromPosition,
      to: options.toPosition,
      limit: options.limit,
      offset: options.offset,
      sortDirection: options.sortDirection,
      includeCount: options.includeCount,
    }, form),
  );
  return (scope, options) => run(() => read.deferred(scope, options));
}
