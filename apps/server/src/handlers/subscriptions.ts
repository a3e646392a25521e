import { randomBytes } from 'node:crypto';
import {
  SUBSCRIPTION_DELETED_MESSAGE,
  type CreatedSubscription,
  type DeliveriesResponse,
  type SubscriptionFromPosition,
  type SubscriptionResponse,
  type SubscriptionsPageResponse,
  type UpdateSubscriptionRequest,
} from '@eventlane/contracts';
import type { Scope, SubscriptionConfig, SubscriptionKey, SubscriptionRecord } from '@eventlane/store';
import type { AuthContext } from '../http/auth.js';
import { codedError, notFound } from '../http/errors.js';
import { checkWebhookUrl } from '../webhooks/ssrf.js';
import { generateWebhookSecret } from '../webhooks/signature.js';
import { checkPageSize, ensureEventStore, scopeOf, type HandlerDeps } from './deps.js';

const subscriptionNotFound = () => notFound('SUBSCRIPTION_NOT_FOUND', 'Subscription not found');

/** `sub_` + the creation time (so ids sort by creation) + 12 random bytes. */
function newSubscriptionId(): string {
  return `sub_${Date.now().toString(36).padStart(9, '0')}${randomBytes(12).toString('hex')}`;
}

/** The config part of a record, as every answer shows it. */
function configView(record: SubscriptionRecord) {
  return {
    subscriptionId: record.subscriptionId,
    eventStoreName: record.store,
    url: record.url,
    eventTypes: record.eventTypes,
    streamType: record.streamType,
    streamIdPattern: record.streamIdPattern,
    batchSize: record.batchSize,
    description: record.description,
    status: record.status,
    position: record.position,
    createdAt: record.createdAt,
  };
}

/** A subscription as reads show it, with its lag against the store's head; never the secret. */
function view(record: SubscriptionRecord, head: number): SubscriptionResponse {
  return {
    ...configView(record),
    lag: Math.max(0, head + 1 - record.position),
    lastDeliveredAt: record.lastDeliveredAt,
    lastError: record.lastError,
    consecutiveFailures: record.consecutiveFailures,
    nextAttemptAt: record.nextAttemptAt,
  };
}

/**
 * The store's head once every acknowledged append has its global position (MongoDB's sequencer
 * gives them just after the answer): `end` then means after every event appended before.
 */
async function readableHead(deps: HandlerDeps, scope: Scope): Promise<number> {
  await deps.storage.waitForGlobalOrder(scope);
  return deps.storage.headGlobalPosition(scope);
}

/** `start`, `end` or a position, against the store's head; past the next position to be written is a 400. */
function resolvePosition(from: SubscriptionFromPosition, head: number): number {
  if (from === 'start') return 0;
  if (from === 'end') return head + 1;
  if (from > head + 1) {
    throw codedError(400, 'POSITION_OUT_OF_RANGE', `fromPosition ${from} is past the next global position to be written (${head + 1})`);
  }
  return from;
}

/** SSRF: the URL's host must resolve to public addresses only, unless private networks are allowed. */
async function checkUrl(deps: HandlerDeps, url: string): Promise<void> {
  if (deps.webhooks.options.allowPrivateNetwork) return;
  try {
    await checkWebhookUrl(url, deps.webhooks.options.resolver);
  } catch (error) {
    throw codedError(
      400,
      'WEBHOOK_URL_NOT_ALLOWED',
      `${(error as Error).message}: webhooks go to public addresses only (WEBHOOK_ALLOW_PRIVATE_NETWORK=true allows private ones)`,
    );
  }
}

/**
 * A subscription that is not there: EVENT_STORE_NOT_FOUND when its store is not either, else
 * SUBSCRIPTION_NOT_FOUND. A subscription exists only in an existing store (deleting a store deletes
 * its subscriptions first), so the store is looked up only on this path, not on every request.
 */
async function notFound404(deps: HandlerDeps, key: SubscriptionKey): Promise<never> {
  await ensureEventStore(deps.storage, key);
  throw subscriptionNotFound();
}

async function existing(deps: HandlerDeps, key: SubscriptionKey): Promise<SubscriptionRecord> {
  return (await deps.storage.getSubscription(key)) ?? notFound404(deps, key);
}

const keyOf = (auth: AuthContext, input: { eventStoreName: string; subscriptionId: string }): SubscriptionKey => ({
  ...scopeOf(auth, input.eventStoreName),
  subscriptionId: input.subscriptionId,
});

export interface CreateSubscriptionInput {
  eventStoreName: string;
  url: string;
  eventTypes?: string[];
  streamType?: string;
  streamIdPattern?: string;
  fromPosition: SubscriptionFromPosition;
  batchSize: number;
  description?: string;
}

/** `POST /api/event-stores/{name}/subscriptions` · `subscriptions.create`: the only answer with the secret. */
export async function createSubscription(deps: HandlerDeps, auth: AuthContext, input: CreateSubscriptionInput): Promise<CreatedSubscription> {
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(deps.storage, scope);
  await checkUrl(deps, input.url);
  const position = resolvePosition(input.fromPosition, await readableHead(deps, scope));
  const secret = generateWebhookSecret();
  const sealedSecret = (await deps.webhooks.sealer()).seal(secret);
  const config: SubscriptionConfig = {
    url: input.url,
    eventTypes: input.eventTypes ?? null,
    streamType: input.streamType ?? null,
    streamIdPattern: input.streamIdPattern ?? null,
    batchSize: input.batchSize,
    description: input.description ?? null,
  };
  const record = await deps.storage.createSubscription({ ...scope, subscriptionId: newSubscriptionId() }, config, { position, sealedSecret });
  deps.webhooks.changed();
  return { ...configView(record), secret };
}

/** `GET /api/event-stores/{name}/subscriptions` · `subscriptions.list` */
export async function listSubscriptions(
  deps: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string; limit: number; offset: number },
): Promise<SubscriptionsPageResponse> {
  checkPageSize(deps.limits, input);
  const scope: Scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(deps.storage, scope);
  const [page, head] = await Promise.all([
    deps.storage.listSubscriptions(scope, { limit: input.limit, offset: input.offset }),
    deps.storage.headGlobalPosition(scope),
  ]);
  return {
    subscriptions: page.subscriptions.map((record) => view(record, head)),
    pagination: { limit: input.limit, offset: input.offset, total: page.total, hasMore: page.hasMore },
  };
}

/** `GET …/subscriptions/{id}` · `subscriptions.get` */
export async function getSubscription(
  deps: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string; subscriptionId: string },
): Promise<SubscriptionResponse> {
  const key = keyOf(auth, input);
  const record = await existing(deps, key);
  return view(record, await deps.storage.headGlobalPosition(key));
}

/** `PATCH …/subscriptions/{id}` · `subscriptions.update` */
export async function updateSubscription(
  deps: HandlerDeps,
  auth: AuthContext,
  input: UpdateSubscriptionRequest & { eventStoreName: string; subscriptionId: string },
): Promise<SubscriptionResponse> {
  const key = keyOf(auth, input);
  await existing(deps, key);
  if (input.url !== undefined) await checkUrl(deps, input.url);
  const config: Partial<SubscriptionConfig> = {};
  if (input.url !== undefined) config.url = input.url;
  if (input.eventTypes !== undefined) config.eventTypes = input.eventTypes;
  if (input.streamType !== undefined) config.streamType = input.streamType;
  if (input.streamIdPattern !== undefined) config.streamIdPattern = input.streamIdPattern;
  if (input.batchSize !== undefined) config.batchSize = input.batchSize;
  if (input.description !== undefined) config.description = input.description;
  const updated = await deps.storage.updateSubscription(key, {
    ...(Object.keys(config).length > 0 ? { config } : {}),
    ...(input.status ? { status: input.status } : {}),
    // Resuming retries a waiting batch at once rather than after its backoff.
    ...(input.status === 'active' ? { retryNow: true } : {}),
  });
  if (!updated) return notFound404(deps, key);
  deps.webhooks.changed(key);
  return view(updated, await deps.storage.headGlobalPosition(key));
}

/** `POST …/subscriptions/{id}/replay` · `subscriptions.replay`: delivery starts again from `fromPosition`. */
export async function replaySubscription(
  deps: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string; subscriptionId: string; fromPosition: SubscriptionFromPosition },
): Promise<SubscriptionResponse> {
  const key = keyOf(auth, input);
  await existing(deps, key);
  const head = await readableHead(deps, key);
  const updated = await deps.storage.updateSubscription(key, { position: resolvePosition(input.fromPosition, head) });
  if (!updated) return notFound404(deps, key);
  deps.webhooks.changed(key);
  return view(updated, head);
}

/** `DELETE …/subscriptions/{id}` · `subscriptions.delete`: an attempt in flight through this server is aborted. */
export async function deleteSubscription(
  deps: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string; subscriptionId: string },
): Promise<{ success: true; message: typeof SUBSCRIPTION_DELETED_MESSAGE }> {
  const key = keyOf(auth, input);
  if (!(await deps.storage.deleteSubscription(key))) return notFound404(deps, key);
  deps.webhooks.removed(key);
  return { success: true, message: SUBSCRIPTION_DELETED_MESSAGE };
}

/** `GET …/subscriptions/{id}/deliveries?limit` · `subscriptions.deliveries`: the newest attempts first. */
export async function listDeliveries(
  deps: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string; subscriptionId: string; limit: number },
): Promise<DeliveriesResponse> {
  const key = keyOf(auth, input);
  await existing(deps, key);
  return { deliveries: await deps.storage.listDeliveryAttempts(key, input.limit) };
}
