import type { Collection, Db, Document } from 'mongodb';
import { DELIVERY_LOG_SIZE, MAX_SUBSCRIPTIONS_PER_STORE } from '@eventlane/contracts';
import type { Scope } from '../eventStore.js';
import { UnavailableError } from '../errors.js';
import { assertBelowSubscriptionLimit, planSubscriptionChange } from '../subscriptionChange.js';
import type {
  DeliveryAttemptRecord,
  Lease,
  SubscriptionConfig,
  SubscriptionKey,
  SubscriptionRecord,
  SubscriptionStore,
} from '../subscriptions.js';
import { guard, isDuplicateKeyError } from './errors.js';
import type { IndexSpec } from './indexes.js';
import { KeyedQueue } from './appendToStream.js';
import type { Durability } from './schema.js';

/** A subscription: the record as the port has it, plus the id and the fence of its lease (the lease itself is in `webhook_leases`). */
interface SubscriptionDoc extends SubscriptionRecord {
  /** `org:store:subscriptionId` (names have no `:`), so that the id lookup is an `_id` lookup and starts with the shard key. */
  _id: string;
  /** The highest lease token that took the lease or wrote progress: an older holder's writes are refused. */
  leaseToken: number;
}

/**
 * One lease token of a subscription. Taking or renewing a lease inserts the next token under a
 * unique index, so of any number of instances racing for it exactly one succeeds. A
 * find-and-modify on one lease document would not do on FerretDB v1, which runs findAndModify as
 * a read and a separate write (NOTES.md).
 */
interface LeaseDoc extends SubscriptionKey, Lease {
  /** `org:store:subscriptionId:token` */
  _id: string;
}

interface DeliveryDoc extends SubscriptionKey, DeliveryAttemptRecord {
  /** `org:store:subscriptionId:deliveryId:attempt` */
  _id: string;
}

interface KeyDoc {
  _id: string;
  key: string;
}

export interface SubscriptionCollections {
  subscriptions: Collection<SubscriptionDoc>;
  leases: Collection<LeaseDoc>;
  deliveries: Collection<DeliveryDoc>;
  keys: Collection<KeyDoc>;
}

/** The collections, with the write and read concerns the adapter uses for everything (schema.ts `Durability`). */
export function subscriptionCollections(db: Db, durability: Durability): SubscriptionCollections {
  return {
    subscriptions: db.collection<SubscriptionDoc>('webhook_subscriptions', durability),
    leases: db.collection<LeaseDoc>('webhook_leases', durability),
    deliveries: db.collection<DeliveryDoc>('webhook_deliveries', durability),
    keys: db.collection<KeyDoc>('webhook_keys', durability),
  };
}

/** The declared indexes, by collection (the query-shape test checks every query against them); every unique one starts with (org, store). */
export const SUBSCRIPTION_INDEXES: Record<string, IndexSpec[]> = {
  webhook_subscriptions: [{ name: 'subscription', key: { org: 1, store: 1, subscriptionId: 1 }, unique: true }],
  webhook_leases: [{ name: 'lease', key: { org: 1, store: 1, subscriptionId: 1, token: 1 }, unique: true }],
  webhook_deliveries: [{ name: 'deliveries', key: { org: 1, store: 1, subscriptionId: 1, attemptedAt: 1 } }],
};

/** Creates the indexes (idempotent): one per createIndexes call (FerretDB v1, NOTES.md). */
export async function ensureSubscriptionIndexes(c: SubscriptionCollections): Promise<void> {
  const create = async <T extends Document>(collection: Collection<T>) => {
    for (const index of SUBSCRIPTION_INDEXES[collection.collectionName] ?? []) await collection.createIndexes([index]);
  };
  await create(c.subscriptions);
  await create(c.leases);
  await create(c.deliveries);
}

const docId = (key: SubscriptionKey) => `${key.org}:${key.store}:${key.subscriptionId}`;
const leaseId = (key: SubscriptionKey, token: number) => `${docId(key)}:${token}`;
const ofKey = (key: SubscriptionKey) => ({ org: key.org, store: key.store, subscriptionId: key.subscriptionId });

function toRecord(doc: SubscriptionDoc): SubscriptionRecord {
  const { _id: _ignored, leaseToken: _token, ...record } = doc;
  return record;
}

function toAttempt(doc: DeliveryDoc): DeliveryAttemptRecord {
  const { deliveryId, fromPosition, toPosition, eventCount, attempt, statusCode, error, durationMs, attemptedAt } = doc;
  return { deliveryId, fromPosition, toPosition, eventCount, attempt, statusCode, error, durationMs, attemptedAt };
}

/** Webhook subscriptions in four collections of their own (`webhook_*`); every query has an index prefix and a limit. */
export function mongoSubscriptionStore(c: SubscriptionCollections): SubscriptionStore {
  // Per subscription: attempts logged by this process since its log was last pruned.
  const unpruned = new Map<string, number>();

  const findOne = (key: SubscriptionKey) => c.subscriptions.findOne({ _id: docId(key) });
  // This process's writes to one subscription document, one at a time. FerretDB v1 runs an update
  // as a read and a write of the whole document, so a lease renewal's hint and the holder's progress
  // written at once could undo each other (seen in `pnpm chaos --webhooks`: a batch acknowledged,
  // then sent again). MongoDB applies each update atomically; there this only orders them.
  const writes = new KeyedQueue();
  const serial = <T>(key: SubscriptionKey, write: () => Promise<T>): Promise<T> => writes.run(docId(key), write);

  return {
    createSubscription: (key, config: SubscriptionConfig, init) =>
      guard(async () => {
        const existing = await c.subscriptions
          .find({ org: key.org, store: key.store }, { projection: { _id: 1 }, limit: MAX_SUBSCRIPTIONS_PER_STORE })
          .toArray();
        // Counted, then inserted: concurrent creates on several instances may pass the limit by a few.
        assertBelowSubscriptionLimit(existing.length);
        const now = new Date().toISOString();
        const doc: SubscriptionDoc = {
          _id: docId(key),
          ...ofKey(key),
          ...config,
          status: 'active',
          position: init.position,
          lastDeliveredAt: null,
          lastError: null,
          consecutiveFailures: 0,
          nextAttemptAt: null,
          pending: null,
          sealedSecret: init.sealedSecret,
          generation: 0,
          leaseToken: 0,
          leaseExpiresAt: 0,
          createdAt: now,
          updatedAt: now,
        };
        await c.subscriptions.insertOne(doc);
        return toRecord(doc);
      }),

    getSubscription: (key) =>
      guard(async () => {
        const doc = await findOne(key);
        return doc ? toRecord(doc) : null;
      }),

    listSubscriptions: (scope: Scope, page) =>
      guard(async () => {
        // A store has at most MAX_SUBSCRIPTIONS_PER_STORE: one bounded read gives the page and the total.
        // Ids start with their creation time, so their order is the creation order.
        const docs = await c.subscriptions
          .find({ org: scope.org, store: scope.store }, { sort: { subscriptionId: 1 }, limit: MAX_SUBSCRIPTIONS_PER_STORE + 1 })
          .toArray();
        const subscriptions = docs.slice(page.offset, page.offset + page.limit).map(toRecord);
        return { subscriptions, total: docs.length, hasMore: page.offset + subscriptions.length < docs.length };
      }),

    updateSubscription: (key, change) =>
      guard(async () => {
        const current = await findOne(key);
        if (!current) return null;
        const { status, replay, fresh, retryNow } = planSubscriptionChange(current, change);
        // Only what the operator changes is set: the holder's progress (position, failures) stays its own
        // unless a replay resets it.
        const set: Partial<SubscriptionDoc> = {
          updatedAt: new Date().toISOString(),
          ...(change.config ?? {}),
          ...(status !== current.status ? { status } : {}),
          ...(replay ? { position: change.position, consecutiveFailures: 0, lastError: null } : {}),
          ...(fresh ? { pending: null } : {}),
          ...(retryNow ? { nextAttemptAt: null } : {}),
        };
        const result = await serial(key, () =>
          c.subscriptions.findOneAndUpdate({ _id: docId(key) }, { $set: set, ...(fresh ? { $inc: { generation: 1 } } : {}) }, { returnDocument: 'after' }),
        );
        return result ? toRecord(result) : null;
      }),

    deleteSubscription: (key) =>
      guard(async () => {
        const deleted = await c.subscriptions.deleteOne({ _id: docId(key) });
        await c.leases.deleteMany(ofKey(key));
        await c.deliveries.deleteMany(ofKey(key));
        unpruned.delete(docId(key));
        return deleted.deletedCount > 0;
      }),

    deleteSubscriptionsOfStore: (scope) =>
      guard(async () => {
        const byScope = { org: scope.org, store: scope.store };
        const deleted = await c.subscriptions.deleteMany(byScope);
        await c.leases.deleteMany(byScope);
        await c.deliveries.deleteMany(byScope);
        return deleted.deletedCount;
      }),

    listDeliverableSubscriptions: (after, limit) =>
      guard(async () => {
        const docs = await c.subscriptions
          .find({ _id: { $gt: after ?? '' }, status: { $in: ['active', 'failing'] } }, { sort: { _id: 1 }, limit })
          .toArray();
        return { subscriptions: docs.map(toRecord), cursor: docs.length > 0 ? docs[docs.length - 1]!._id : after };
      }),

    acquireLease: (key, owner, ttlMs, held) =>
      guard(async () => {
        const [latest] = await c.leases.find(ofKey(key), { sort: { token: -1 }, limit: 1 }).toArray();
        const now = Date.now();
        const ours = latest !== undefined && held != null && latest.token === held.token && latest.owner === held.owner;
        if (latest && !ours && latest.expiresAt >= now) return null;
        const token = (latest?.token ?? 0) + 1;
        const lease: Lease = { token, owner, expiresAt: now + ttlMs };
        try {
          await c.leases.insertOne({ _id: leaseId(key, token), ...ofKey(key), ...lease });
        } catch (error) {
          // Another instance took this token first: the lease is theirs.
          if (isDuplicateKeyError(error)) return null;
          throw error;
        }
        const hint = await serial(key, () =>
          c.subscriptions.updateOne({ _id: docId(key) }, { $max: { leaseToken: token }, $set: { leaseExpiresAt: lease.expiresAt } }),
        );
        if (latest) await c.leases.deleteOne({ _id: latest._id });
        if (hint.matchedCount === 0) {
          // No such subscription (deleted meanwhile, or another organization's): nothing to hold.
          await c.leases.deleteOne({ _id: leaseId(key, token) });
          return null;
        }
        return lease;
      }),

    releaseLease: (key, lease) =>
      guard(async () => {
        await c.leases.updateOne({ _id: leaseId(key, lease.token), owner: lease.owner }, { $set: { expiresAt: 0 } });
        await serial(key, () => c.subscriptions.updateOne({ _id: docId(key), leaseToken: lease.token }, { $set: { leaseExpiresAt: 0 } }));
      }),

    recordDeliveryProgress: (key, lease, { generation, state }) =>
      guard(async () => {
        // The holder stops before its lease expires; a write after that (a paused process) is refused
        // here, and the token filter refuses it once a newer holder has taken the lease.
        if (Date.now() > lease.expiresAt) return false;
        const filter = { _id: docId(key), generation, leaseToken: { $lte: lease.token } };
        const { status, ...rest } = state;
        const set = { ...rest, leaseToken: lease.token, updatedAt: new Date().toISOString() };
        return serial(key, async () => {
          const written = await c.subscriptions.updateOne({ ...filter, status: { $in: ['active', 'failing'] } }, { $set: { ...set, status } });
          if (written.matchedCount > 0) return true;
          // Paused while the batch was in flight: its outcome is still recorded, the status stays.
          const paused = await c.subscriptions.updateOne({ ...filter, status: 'paused' }, { $set: set });
          return paused.matchedCount > 0;
        });
      }),

    addDeliveryAttempt: (key, attempt) =>
      guard(async () => {
        await c.deliveries.insertOne({ _id: `${docId(key)}:${attempt.deliveryId}:${attempt.attempt}`, ...ofKey(key), ...attempt });
        // The count lives in this process: the first attempt it logs for a subscription prunes, so a
        // restart or a lease that moves between instances cannot leave a log unpruned.
        const count = (unpruned.get(docId(key)) ?? 19) + 1;
        unpruned.set(docId(key), count);
        if (count < 20) return;
        unpruned.set(docId(key), 0);
        const [oldestKept] = await c.deliveries
          .find(ofKey(key), { sort: { attemptedAt: -1 }, skip: DELIVERY_LOG_SIZE - 1, limit: 1, projection: { attemptedAt: 1 } })
          .toArray();
        if (oldestKept) await c.deliveries.deleteMany({ ...ofKey(key), attemptedAt: { $lt: oldestKept.attemptedAt } });
      }),

    listDeliveryAttempts: (key, limit) =>
      guard(async () => (await c.deliveries.find(ofKey(key), { sort: { attemptedAt: -1 }, limit }).toArray()).map(toAttempt)),

    loadSecretSealingKey: (generate) =>
      guard(async () => {
        const found = await c.keys.findOne({ _id: 'secret-sealing-key' });
        if (found) return found.key;
        try {
          await c.keys.insertOne({ _id: 'secret-sealing-key', key: generate() });
        } catch (error) {
          // Another instance created it first: every instance uses that one.
          if (!isDuplicateKeyError(error)) throw error;
        }
        const created = await c.keys.findOne({ _id: 'secret-sealing-key' });
        if (!created) throw new UnavailableError('The secret sealing key vanished right after it was written; retry');
        return created.key;
      }),
  };
}
