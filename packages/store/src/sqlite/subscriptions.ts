import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DELIVERY_LOG_SIZE, type SubscriptionStatus } from '@eventlane/contracts';
import type { Scope } from '../eventStore.js';
import { assertBelowSubscriptionLimit, planSubscriptionChange } from '../subscriptionChange.js';
import type {
  DeliveryAttemptRecord,
  Lease,
  PendingBatch,
  SubscriptionConfig,
  SubscriptionKey,
  SubscriptionRecord,
  SubscriptionStore,
} from '../subscriptions.js';
import { run, type Connection } from './connection.js';

interface SubscriptionRow {
  id: number;
  org: string;
  store: string;
  subscription_id: string;
  url: string;
  event_types: string | null;
  stream_type: string | null;
  stream_id_pattern: string | null;
  batch_size: number;
  description: string | null;
  status: SubscriptionStatus;
  position: number;
  last_delivered_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  next_attempt_at: string | null;
  pending: string | null;
  sealed_secret: string;
  generation: number;
  lease_token: number;
  lease_owner: string | null;
  lease_expires_at: number;
  created_at: string;
  updated_at: string;
}

interface DeliveryRow {
  delivery_id: string;
  from_position: number;
  to_position: number;
  event_count: number;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  attempted_at: string;
}

function toRecord(row: SubscriptionRow): SubscriptionRecord {
  return {
    org: row.org,
    store: row.store,
    subscriptionId: row.subscription_id,
    url: row.url,
    eventTypes: row.event_types === null ? null : (JSON.parse(row.event_types) as string[]),
    streamType: row.stream_type,
    streamIdPattern: row.stream_id_pattern,
    batchSize: row.batch_size,
    description: row.description,
    status: row.status,
    position: row.position,
    lastDeliveredAt: row.last_delivered_at,
    lastError: row.last_error,
    consecutiveFailures: row.consecutive_failures,
    nextAttemptAt: row.next_attempt_at,
    pending: row.pending === null ? null : (JSON.parse(row.pending) as PendingBatch),
    sealedSecret: row.sealed_secret,
    generation: row.generation,
    leaseExpiresAt: row.lease_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const toAttempt = (row: DeliveryRow): DeliveryAttemptRecord => ({
  deliveryId: row.delivery_id,
  fromPosition: row.from_position,
  toPosition: row.to_position,
  eventCount: row.event_count,
  attempt: row.attempt,
  statusCode: row.status_code,
  error: row.error,
  durationMs: row.duration_ms,
  attemptedAt: row.attempted_at,
});

const SEALING_KEY_FILE = 'webhook-secret.key';

/**
 * Webhook subscriptions in the same file as the events (schema version 2). Every write is one
 * short transaction on this thread's connection; the lease is a column of the subscription's row,
 * taken and checked under SQLite's write lock, so it holds across processes sharing the file.
 */
export function subscriptionOperations(connection: Connection, dataDir: string): SubscriptionStore {
  const { db } = connection;
  const where = 'org = ? AND store = ? AND subscription_id = ?';
  const byKey = (key: SubscriptionKey) => [key.org, key.store, key.subscriptionId] as const;
  const get = db.prepare(`SELECT * FROM subscriptions WHERE ${where}`);
  const countOfStore = db.prepare('SELECT COUNT(*) AS n FROM subscriptions WHERE org = ? AND store = ?');
  const pageOfStore = db.prepare('SELECT * FROM subscriptions WHERE org = ? AND store = ? ORDER BY id LIMIT ? OFFSET ?');
  const insert = db.prepare(
    `INSERT INTO subscriptions (org, store, subscription_id, url, event_types, stream_type, stream_id_pattern, batch_size,
       description, status, position, sealed_secret, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`,
  );
  const deliverable = db.prepare("SELECT * FROM subscriptions WHERE id > ? AND status != 'paused' ORDER BY id LIMIT ?");
  const remove = db.prepare(`DELETE FROM subscriptions WHERE ${where}`);
  const removeDeliveries = db.prepare(`DELETE FROM subscription_deliveries WHERE ${where}`);
  const removeOfStore = db.prepare('DELETE FROM subscriptions WHERE org = ? AND store = ?');
  const removeDeliveriesOfStore = db.prepare('DELETE FROM subscription_deliveries WHERE org = ? AND store = ?');
  const takeLease = db.prepare(
    `UPDATE subscriptions SET lease_token = lease_token + 1, lease_owner = ?, lease_expires_at = ?
      WHERE ${where} AND (lease_expires_at < ? OR (lease_token = ? AND lease_owner = ?))
      RETURNING lease_token AS token`,
  );
  const giveUpLease = db.prepare(`UPDATE subscriptions SET lease_expires_at = 0 WHERE ${where} AND lease_token = ? AND lease_owner = ?`);
  const progress = db.prepare(
    `UPDATE subscriptions SET
       status = CASE WHEN status = 'paused' THEN 'paused' ELSE ? END,
       position = ?, last_delivered_at = ?, last_error = ?, consecutive_failures = ?, next_attempt_at = ?, pending = ?, updated_at = ?
      WHERE ${where} AND generation = ? AND lease_token = ? AND lease_owner = ? AND lease_expires_at >= ?`,
  );
  const insertAttempt = db.prepare(
    `INSERT INTO subscription_deliveries (org, store, subscription_id, delivery_id, from_position, to_position, event_count,
       attempt, status_code, error, duration_ms, attempted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Keeps the newest DELIVERY_LOG_SIZE: the row DELIVERY_LOG_SIZE places back is the last one to delete.
  const pruneAttempts = db.prepare(
    `DELETE FROM subscription_deliveries WHERE ${where} AND id <= (
       SELECT id FROM subscription_deliveries WHERE ${where} ORDER BY id DESC LIMIT 1 OFFSET ${DELIVERY_LOG_SIZE})`,
  );
  const attempts = db.prepare(`SELECT * FROM subscription_deliveries WHERE ${where} ORDER BY id DESC LIMIT ?`);

  /** The configuration's columns, in the order both the insert and the update list them. */
  const configColumns = (config: SubscriptionConfig) =>
    [config.url, config.eventTypes === null ? null : JSON.stringify(config.eventTypes), config.streamType, config.streamIdPattern, config.batchSize, config.description] as const;

  const create = db.transaction((key: SubscriptionKey, config: SubscriptionConfig, init: { position: number; sealedSecret: string }) => {
    assertBelowSubscriptionLimit((countOfStore.get(key.org, key.store) as { n: number }).n);
    const now = new Date().toISOString();
    insert.run(
      ...byKey(key),
      ...configColumns(config),
      init.position,
      init.sealedSecret,
      now,
      now,
    );
    return toRecord(get.get(...byKey(key)) as SubscriptionRow);
  });

  const list = db.transaction((scope: Scope, page: { limit: number; offset: number }) => {
    const rows = pageOfStore.all(scope.org, scope.store, page.limit, page.offset) as SubscriptionRow[];
    const total = (countOfStore.get(scope.org, scope.store) as { n: number }).n;
    return { subscriptions: rows.map(toRecord), total, hasMore: page.offset + rows.length < total };
  });

  const update = db.transaction((key: SubscriptionKey, change: Parameters<SubscriptionStore['updateSubscription']>[1]) => {
    const row = get.get(...byKey(key)) as SubscriptionRow | undefined;
    if (!row) return null;
    const current = toRecord(row);
    const { config, status, replay, fresh, retryNow } = planSubscriptionChange(current, change);
    connection.statement(
      `UPDATE subscriptions SET url = ?, event_types = ?, stream_type = ?, stream_id_pattern = ?, batch_size = ?, description = ?,
         status = ?, position = ?, consecutive_failures = ?, last_error = ?, next_attempt_at = ?, pending = ?, generation = ?, updated_at = ?
        WHERE ${where}`,
    ).run(
      ...configColumns(config),
      status,
      replay ? change.position : current.position,
      replay ? 0 : current.consecutiveFailures,
      replay ? null : current.lastError,
      retryNow ? null : current.nextAttemptAt,
      fresh || current.pending === null ? null : JSON.stringify(current.pending),
      fresh ? current.generation + 1 : current.generation,
      new Date().toISOString(),
      ...byKey(key),
    );
    return toRecord(get.get(...byKey(key)) as SubscriptionRow);
  });

  const removeOne = db.transaction((key: SubscriptionKey) => {
    removeDeliveries.run(...byKey(key));
    return remove.run(...byKey(key)).changes > 0;
  });
  const removeAllOfStore = db.transaction((scope: Scope) => {
    removeDeliveriesOfStore.run(scope.org, scope.store);
    return removeOfStore.run(scope.org, scope.store).changes;
  });
  const addAttempt = db.transaction((key: SubscriptionKey, a: DeliveryAttemptRecord) => {
    insertAttempt.run(
      ...byKey(key),
      a.deliveryId,
      a.fromPosition,
      a.toPosition,
      a.eventCount,
      a.attempt,
      a.statusCode,
      a.error,
      a.durationMs,
      a.attemptedAt,
    );
    // Every insert prunes (an index walk of DELIVERY_LOG_SIZE rows, in this transaction): the row id
    // is shared by all subscriptions, so pruning every 20th id could skip one subscription forever.
    pruneAttempts.run(...byKey(key), ...byKey(key));
  });

  return {
    createSubscription: (key, config, init) => run(() => create.immediate(key, config, init)),
    getSubscription: (key) =>
      run(() => {
        const row = get.get(...byKey(key)) as SubscriptionRow | undefined;
        return row ? toRecord(row) : null;
      }),
    listSubscriptions: (scope, page) => run(() => list.deferred(scope, page)),
    updateSubscription: (key, change) => run(() => update.immediate(key, change)),
    deleteSubscription: (key) => run(() => removeOne.immediate(key)),
    deleteSubscriptionsOfStore: (scope) => run(() => removeAllOfStore.immediate(scope)),
    listDeliverableSubscriptions: (after, limit) =>
      run(() => {
        const rows = deliverable.all(after === null ? 0 : Number(after), limit) as SubscriptionRow[];
        return { subscriptions: rows.map(toRecord), cursor: rows.length > 0 ? String(rows[rows.length - 1]!.id) : after };
      }),
    acquireLease: (key, owner, ttlMs, held) =>
      run(() => {
        const now = Date.now();
        const expiresAt = now + ttlMs;
        const row = takeLease.get(owner, expiresAt, ...byKey(key), now, held?.token ?? -1, held?.owner ?? owner) as { token: number } | undefined;
        return row ? ({ token: row.token, owner, expiresAt } satisfies Lease) : null;
      }),
    releaseLease: (key, lease) =>
      run(() => {
        giveUpLease.run(...byKey(key), lease.token, lease.owner);
      }),
    recordDeliveryProgress: (key, lease, { generation, state }) =>
      run(
        () =>
          progress.run(
            state.status,
            state.position,
            state.lastDeliveredAt,
            state.lastError,
            state.consecutiveFailures,
            state.nextAttemptAt,
            state.pending === null ? null : JSON.stringify(state.pending),
            new Date().toISOString(),
            ...byKey(key),
            generation,
            lease.token,
            lease.owner,
            Date.now(),
          ).changes > 0,
      ),
    addDeliveryAttempt: (key, attempt) => run(() => addAttempt.immediate(key, attempt)),
    listDeliveryAttempts: (key, limit) => run(() => (attempts.all(...byKey(key), limit) as DeliveryRow[]).map(toAttempt)),
    loadSecretSealingKey: (generate) =>
      run(() => {
        const file = join(dataDir, SEALING_KEY_FILE);
        try {
          return readFileSync(file, 'utf8').trim();
        } catch {
          // `wx`: of two processes opening a fresh folder at once, one writes the key and the other reads it.
          try {
            writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
          } catch {
            // written by the other process meanwhile
          }
          return readFileSync(file, 'utf8').trim();
        }
      }),
  };
}
