import type { SubscriptionStatus } from '@eventlane/contracts';
import type { Scope } from './eventStore.js';

/*
 * The subscription store: webhook subscriptions of a store, their delivery progress, the leases
 * that let one server instance at a time deliver a subscription, and the log of delivery attempts.
 * Next to the event-store port; both adapters implement it and pass one conformance suite
 * (`testSubscriptionStore` in `@eventlane/store/testing`). Method names follow DeltaBase's event
 * bus where one fits (`getSubscription`, `listSubscriptions`).
 */

/** A subscription is addressed by its store and id; a key of another organization finds nothing. */
export interface SubscriptionKey extends Scope {
  subscriptionId: string;
}

/** What an operator sets. `null` filters match everything. */
export interface SubscriptionConfig {
  url: string;
  eventTypes: string[] | null;
  streamType: string | null;
  streamIdPattern: string | null;
  batchSize: number;
  description: string | null;
}

/** A batch that failed and waits for its retry: the retry sends exactly these events again, under the same id. */
export interface PendingBatch {
  deliveryId: string;
  /** Global positions of its first and last event. */
  fromPosition: number;
  toPosition: number;
  /** Attempts made so far. */
  attempts: number;
}

/** Everything delivery reads and writes besides the configuration. */
export interface DeliveryState {
  status: SubscriptionStatus;
  /** The next global position to deliver. */
  position: number;
  lastDeliveredAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  nextAttemptAt: string | null;
  pending: PendingBatch | null;
}

export interface SubscriptionRecord extends SubscriptionKey, SubscriptionConfig, DeliveryState {
  createdAt: string;
  updatedAt: string;
  /**
   * The signing secret, sealed by the server (`apps/server`): adapters store it as given and never
   * see it in clear.
   */
  sealedSecret: string;
  /**
   * Bumped by every operator change that affects what is delivered (url, filters, batch size,
   * replay). A delivery writes its progress only while the generation it read is current, so a
   * replay or a new filter is never overwritten by a batch built before it.
   */
  generation: number;
  /** When the current lease expires (ms since the epoch; 0 when none was taken): a hint for who may take it. */
  leaseExpiresAt: number;
}

/**
 * An operator's change. A replay, or a new url, filter or batch size, bumps `generation` and drops
 * a pending batch; a replay also clears the failure state.
 */
export interface SubscriptionChange {
  config?: Partial<SubscriptionConfig>;
  status?: 'active' | 'paused';
  /** Replay: the new position; also clears the failure state and any pending batch. */
  position?: number;
  /** Resume (status `active`): a pending batch is retried at once. */
  retryNow?: boolean;
}

/** A lease on delivering one subscription. Tokens only grow; each renewal takes the next one. */
export interface Lease {
  token: number;
  owner: string;
  /** Server time (this process's clock) when the holder must have stopped delivering. */
  expiresAt: number;
}

/** Progress written by the lease holder (the whole delivery state after a batch, or after a failure). */
export interface DeliveryProgress {
  /** The generation the holder read; the write is refused when the operator changed it since. */
  generation: number;
  state: Omit<DeliveryState, 'status'> & { status: 'active' | 'failing' };
}

/** One HTTP attempt, as the deliveries log keeps it. */
export interface DeliveryAttemptRecord {
  deliveryId: string;
  fromPosition: number;
  toPosition: number;
  eventCount: number;
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: string;
}

export interface SubscriptionsPage {
  subscriptions: SubscriptionRecord[];
  total: number;
  hasMore: boolean;
}

export interface SubscriptionStore {
  /**
   * Stores a new subscription (its id is chosen by the caller).
   *
   * @throws StoreError SUBSCRIPTION_LIMIT when the store has MAX_SUBSCRIPTIONS_PER_STORE already
   * @example
   * await storage.createSubscription({ org: 'acme', store: 'orders', subscriptionId: 'sub_1' }, {
   *   url: 'https://example.com/hook', eventTypes: ['order.*'], streamType: null, streamIdPattern: null,
   *   batchSize: 100, description: null }, { position: 0, sealedSecret });
   */
  createSubscription(key: SubscriptionKey, config: SubscriptionConfig, init: { position: number; sealedSecret: string }): Promise<SubscriptionRecord>;

  /** The subscription, or null when this organization's store has none with this id. */
  getSubscription(key: SubscriptionKey): Promise<SubscriptionRecord | null>;

  /** A store's subscriptions, oldest first. */
  listSubscriptions(scope: Scope, page: { limit: number; offset: number }): Promise<SubscriptionsPage>;

  /** Applies an operator's change; null when there is no such subscription. */
  updateSubscription(key: SubscriptionKey, change: SubscriptionChange): Promise<SubscriptionRecord | null>;

  /** Deletes a subscription with its leases and deliveries log; false when there was none. */
  deleteSubscription(key: SubscriptionKey): Promise<boolean>;

  /** Deletes every subscription of a store (when the store is deleted); returns how many. */
  deleteSubscriptionsOfStore(scope: Scope): Promise<number>;

  /**
   * Every organization's subscriptions that are not paused, by key, `limit` at a time after `after`
   * (a cursor from the previous page's last record): what delivery workers look for.
   */
  listDeliverableSubscriptions(after: string | null, limit: number): Promise<{ subscriptions: SubscriptionRecord[]; cursor: string | null }>;

  /**
   * Takes the lease of a subscription, or renews it: succeeds when the current lease has expired
   * (by this process's clock), when there is none, or when `held` is the current lease. Exactly one
   * of any number of concurrent callers gets a given token, on every backend, even when the
   * database's find-and-modify is not atomic (FerretDB v1): the token is a unique key.
   * Returns null when another owner holds an unexpired lease.
   */
  acquireLease(key: SubscriptionKey, owner: string, ttlMs: number, held?: Lease | null): Promise<Lease | null>;

  /** Gives a held lease up (graceful stop): another instance may take it at once. */
  releaseLease(key: SubscriptionKey, lease: Lease): Promise<void>;

  /**
   * Writes the holder's progress, only while `lease` is the current lease and the generation is
   * unchanged; false when it is not written (lease lost, operator change, subscription deleted or paused).
   */
  recordDeliveryProgress(key: SubscriptionKey, lease: Lease, progress: DeliveryProgress): Promise<boolean>;

  /** Appends an attempt to the subscription's log, keeping the newest DELIVERY_LOG_SIZE. */
  addDeliveryAttempt(key: SubscriptionKey, attempt: DeliveryAttemptRecord): Promise<void>;

  /** The newest attempts first. */
  listDeliveryAttempts(key: SubscriptionKey, limit: number): Promise<DeliveryAttemptRecord[]>;

  /**
   * The key that seals webhook secrets when the server has none configured: created once per data
   * folder or database (by `generate`), the same for every instance. Returned as given.
   */
  loadSecretSealingKey(generate: () => string): Promise<string>;
}
