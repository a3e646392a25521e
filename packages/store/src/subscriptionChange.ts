import { MAX_SUBSCRIPTIONS_PER_STORE, type SubscriptionStatus } from '@eventlane/contracts';
import { StoreError } from './errors.js';
import type { SubscriptionChange, SubscriptionConfig } from './subscriptions.js';

/** Refuses a new subscription when the store already has `existing` (every adapter's check, one message). */
export function assertBelowSubscriptionLimit(existing: number): void {
  if (existing >= MAX_SUBSCRIPTIONS_PER_STORE) {
    throw new StoreError('SUBSCRIPTION_LIMIT', `A store may have at most ${MAX_SUBSCRIPTIONS_PER_STORE} subscriptions`);
  }
}

/** What an operator's change comes to, decided once for every adapter. */
export interface PlannedChange {
  /** The configuration after the change. */
  config: SubscriptionConfig;
  status: SubscriptionStatus;
  /** A replay: the position moves and the failure state is cleared. */
  replay: boolean;
  /**
   * What is delivered changes (replay, url, filters, batch size): the generation is bumped, so a
   * batch built before cannot record its progress, and a pending batch is dropped.
   */
  fresh: boolean;
  /** A waiting retry is due at once (fresh, or resumed). */
  retryNow: boolean;
}

/**
 * The rules of `updateSubscription`, shared by the SQLite and MongoDB adapters (which only write
 * them): a replay or a changed url, filter or batch size starts afresh; resuming retries now; a
 * replay of a failing subscription makes it active again.
 */
export function planSubscriptionChange(current: SubscriptionConfig & { status: SubscriptionStatus }, change: SubscriptionChange): PlannedChange {
  const config: SubscriptionConfig = {
    url: current.url,
    eventTypes: current.eventTypes,
    streamType: current.streamType,
    streamIdPattern: current.streamIdPattern,
    batchSize: current.batchSize,
    description: current.description,
    ...change.config,
  };
  const configChanged =
    config.url !== current.url ||
    JSON.stringify(config.eventTypes) !== JSON.stringify(current.eventTypes) ||
    config.streamType !== current.streamType ||
    config.streamIdPattern !== current.streamIdPattern ||
    config.batchSize !== current.batchSize;
  const replay = change.position !== undefined;
  const fresh = replay || configChanged;
  const status: SubscriptionStatus = change.status ?? (replay && current.status === 'failing' ? 'active' : current.status);
  return { config, status, replay, fresh, retryNow: fresh || change.retryNow === true };
}
