import type { EventStoreSummary } from '@eventlane/contracts';
import type { EventStore, EventStoreDetails, EventTypeCount, Scope, StoresPage } from '../eventStore.js';
import { StoreError } from '../errors.js';
import { run, type Connection } from './connection.js';

type StoreOperations = Pick<
  EventStore,
  'createStore' | 'getStore' | 'listStores' | 'deleteStore' | 'countEventsByType' | 'countEventsPerMinute' | 'headGlobalPosition'
>;

interface StoreRow {
  eventStoreName: string;
  description: string | null;
  created: string;
  nextGlobalPosition: number;
}

const STORE_COLUMNS = 'store AS eventStoreName, description, created_at AS created, next_global_position AS nextGlobalPosition';

const summary = ({ eventStoreName, description, created }: StoreRow): EventStoreSummary => ({ eventStoreName, description, created });

/** Store administration and the chart queries. Stores are also created implicitly by the first append. */
export function storeOperations(connection: Connection): StoreOperations {
  const { db } = connection;
  const getRow = db.prepare(`SELECT ${STORE_COLUMNS} FROM stores WHERE org = ? AND store = ?`);
  const insert = db.prepare(
    `INSERT INTO stores (org, store, description, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (org, store) DO NOTHING`,
  );
  const countStreams = db.prepare('SELECT COUNT(*) AS n FROM streams WHERE org = ? AND store = ?');
  const eventTimes = db.prepare(
    'SELECT MIN(created_at) AS oldest, MAX(created_at) AS newest FROM events WHERE org = ? AND store = ?',
  );
  const listPage = db.prepare(`SELECT ${STORE_COLUMNS} FROM stores WHERE org = ? ORDER BY store LIMIT ? OFFSET ?`);
  const countStores = db.prepare('SELECT COUNT(*) AS n FROM stores WHERE org = ?');
  const deleteEvents = db.prepare('DELETE FROM events WHERE org = ? AND store = ?');
  const deleteStreams = db.prepare('DELETE FROM streams WHERE org = ? AND store = ?');
  const deleteStoreRow = db.prepare('DELETE FROM stores WHERE org = ? AND store = ?');
  const byType = db.prepare(
    'SELECT type, COUNT(*) AS count FROM events WHERE org = ? AND store = ? GROUP BY type ORDER BY count DESC, type ASC',
  );
  // created_at is ISO 8601 UTC, so its first 16 characters are the minute.
  const perMinute = db.prepare(
    `SELECT substr(created_at, 1, 16) || ':00.000Z' AS minute, COUNT(*) AS count FROM events
      WHERE org = ? AND store = ? AND created_at >= ? GROUP BY minute ORDER BY minute`,
  );

  const create = db.transaction((scope: Scope, description: string | null) => {
    const result = insert.run(scope.org, scope.store, description, new Date().toISOString());
    if (result.changes === 0) throw new StoreError('EVENT_STORE_EXISTS', `Event store ${scope.store} already exists`);
    return summary(getRow.get(scope.org, scope.store) as StoreRow);
  });
  const details = db.transaction((scope: Scope): EventStoreDetails | null => {
    const row = getRow.get(scope.org, scope.store) as StoreRow | undefined;
    if (!row) return null;
    const times = eventTimes.get(scope.org, scope.store) as { oldest: string | null; newest: string | null };
    return {
      ...summary(row),
      statistics: {
        totalStreams: (countStreams.get(scope.org, scope.store) as { n: number }).n,
        // Positions are contiguous from 0 and only a whole store is ever deleted, so the counter is the count.
        totalEvents: row.nextGlobalPosition,
        oldestEventTimestamp: times.oldest,
        newestEventTimestamp: times.newest,
      },
    };
  });
  const list = db.transaction((org: string, limit: number, offset: number): StoresPage => {
    const rows = listPage.all(org, limit, offset) as StoreRow[];
    const total = (countStores.get(org) as { n: number }).n;
    return { eventStores: rows.map(summary), total, hasMore: offset + rows.length < total };
  });
  // Every append upserts the store row, so a store with events always has one.
  const remove = db.transaction((scope: Scope): boolean => {
    deleteEvents.run(scope.org, scope.store);
    deleteStreams.run(scope.org, scope.store);
    return deleteStoreRow.run(scope.org, scope.store).changes > 0;
  });

  return {
    createStore: (scope, options) => run(() => create.immediate(scope, options?.description ?? null)),
    getStore: (scope) => run(() => details.deferred(scope)),
    listStores: (org, page) => run(() => list.deferred(org, Math.max(0, page.limit), Math.max(0, page.offset ?? 0))),
    deleteStore: (scope) => run(() => remove.immediate(scope)),
    countEventsByType: (scope) => run(() => byType.all(scope.org, scope.store) as EventTypeCount[]),
    countEventsPerMinute: (scope, since) =>
      run(() => perMinute.all(scope.org, scope.store, since.toISOString()) as Array<{ minute: string; count: number }>),
    headGlobalPosition: (scope) =>
      run(() => ((getRow.get(scope.org, scope.store) as StoreRow | undefined)?.nextGlobalPosition ?? 0) - 1),
  };
}
