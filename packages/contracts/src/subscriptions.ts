import { z } from 'zod';
import { globalEventSchema } from './events.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { eventStoreNameSchema, streamTypeSchema } from './names.js';
import { integerParam, paginationSchema, streamIdPatternSchema } from './reads.js';

/*
 * Webhook subscriptions (issue 12): a store's events pushed to an HTTP endpoint, at least once and
 * in global order. Field names follow the issue exactly; where DeltaBase's `@delta-base/server`
 * event bus has a name for the same thing (`subscriptionId`, `status`, `createdAt`) it is the same.
 */

export const SUBSCRIPTION_STATUSES = ['active', 'paused', 'failing'] as const;
export const subscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES);
export type SubscriptionStatus = z.infer<typeof subscriptionStatusSchema>;

/** Consecutive failed attempts after which a subscription shows `failing` (it keeps retrying). */
export const FAILING_AFTER_CONSECUTIVE_FAILURES = 10;
/** Most subscriptions one store may have. */
export const MAX_SUBSCRIPTIONS_PER_STORE = 100;
export const DEFAULT_SUBSCRIPTION_BATCH_SIZE = 100;
export const MAX_SUBSCRIPTION_BATCH_SIZE = 1000;

/** `sub_…`: ids are opaque; only their characters are checked, so a malformed id answers 400, a missing one 404. */
export const subscriptionIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'Subscription id may contain only letters, digits, "_" and "-"');

/**
 * One entry of `eventTypes`: an exact event type (`order.placed`) or a prefix glob ending in `*`
 * (`order.*` matches every type that starts with `order.`; `*` alone matches every type).
 */
export const eventTypePatternSchema = z
  .string()
  .min(1, 'An event type pattern must not be empty')
  .max(256, 'An event type pattern must be at most 256 characters')
  .refine((pattern) => !pattern.slice(0, -1).includes('*'), {
    message: 'An event type pattern is an exact type or a prefix ending in "*" (order.*); "*" may only come last',
  });

export const eventTypePatternsSchema = z
  .array(eventTypePatternSchema)
  .min(1, 'eventTypes must not be empty: leave it out to receive every type')
  .max(100, 'eventTypes may have at most 100 entries');

/**
 * Where delivery starts: a global position (the first event to deliver), `start` (0) or `end`
 * (only events appended after the subscription was created). Not past the next position to be written.
 */
// A JSON number only (bodies and tRPC inputs): the query-string `positionSchema` coerces, and would
// read `null`, `false` or `[]` as 0, a full replay.
export const subscriptionFromPositionSchema = z.union([z.literal('start'), z.literal('end'), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]);
export type SubscriptionFromPosition = z.infer<typeof subscriptionFromPositionSchema>;

// Contracts compile against ES2023 alone (no DOM, no Node types) but run only where the WHATWG URL
// global exists (browsers, Node), as zod's own z.url() assumes.
const WhatwgURL = (globalThis as unknown as { URL: { canParse(input: string): boolean; new (input: string): { username: string; password: string } } }).URL;

/** `http://` or `https://` only; no credentials in it (they would be sent to the receiver in the clear and shown in lists). */
export const webhookUrlSchema = z
  .string()
  .max(2048, 'url must be at most 2048 characters')
  .pipe(z.url({ protocol: /^https?$/, error: 'url must be an http or https URL' }))
  .refine((value) => {
    // Zod runs this after a failed URL check too: an unparsable value has its issue already.
    if (!WhatwgURL.canParse(value)) return true;
    const url = new WhatwgURL(value);
    return url.username === '' && url.password === '';
  }, 'url must not contain a user name or password');

const descriptionSchema = z.string().max(1000, 'description must be at most 1000 characters');
const batchSizeSchema = z
  .number()
  .int()
  .min(1, 'batchSize must be at least 1')
  .max(MAX_SUBSCRIPTION_BATCH_SIZE, `batchSize must be at most ${MAX_SUBSCRIPTION_BATCH_SIZE}`);

/** `POST /api/event-stores/{name}/subscriptions` */
export const createSubscriptionRequestSchema = z.strictObject({
  url: webhookUrlSchema,
  eventTypes: eventTypePatternsSchema.optional(),
  streamType: streamTypeSchema.optional(),
  streamIdPattern: streamIdPatternSchema.optional(),
  fromPosition: subscriptionFromPositionSchema.default('end'),
  batchSize: batchSizeSchema.default(DEFAULT_SUBSCRIPTION_BATCH_SIZE),
  description: descriptionSchema.optional(),
});
export type CreateSubscriptionRequest = z.input<typeof createSubscriptionRequestSchema>;

/**
 * `PATCH …/subscriptions/{id}`. Every field is optional; `null` clears a filter or the description.
 * Changing the url, a filter or the batch size drops a batch that is waiting for a retry: the next
 * batch is built with the new settings, from the same position.
 */
export const updateSubscriptionRequestSchema = z
  .strictObject({
    status: z.enum(['active', 'paused']).optional(),
    url: webhookUrlSchema.optional(),
    eventTypes: eventTypePatternsSchema.nullable().optional(),
    streamType: streamTypeSchema.nullable().optional(),
    streamIdPattern: streamIdPatternSchema.nullable().optional(),
    batchSize: batchSizeSchema.optional(),
    description: descriptionSchema.nullable().optional(),
  });
export type UpdateSubscriptionRequest = z.infer<typeof updateSubscriptionRequestSchema>;

/** `POST …/subscriptions/{id}/replay` */
export const replaySubscriptionRequestSchema = z.strictObject({ fromPosition: subscriptionFromPositionSchema });

export const subscriptionParamsSchema = z.strictObject({ eventStoreName: eventStoreNameSchema, subscriptionId: subscriptionIdSchema });

export function makeListSubscriptionsQuerySchema(limits: Pick<Limits, 'maxPageSize'> = DEFAULT_LIMITS) {
  return z.strictObject({
    limit: integerParam(
      z.coerce
        .number()
        .int()
        .min(1, 'limit must be at least 1')
        .max(Math.min(limits.maxPageSize, MAX_SUBSCRIPTIONS_PER_STORE), `limit must be at most ${Math.min(limits.maxPageSize, MAX_SUBSCRIPTIONS_PER_STORE)}`)
        // zod does not check a default against .max(): it must respect a MAX_PAGE_SIZE below 100 itself.
        .default(Math.min(limits.maxPageSize, MAX_SUBSCRIPTIONS_PER_STORE)),
    ),
    offset: integerParam(z.coerce.number().int().min(0, 'offset must not be negative').max(Number.MAX_SAFE_INTEGER).default(0)),
  });
}

/** How many delivery attempts are kept per subscription (the newest). */
export const DELIVERY_LOG_SIZE = 100;

export const listDeliveriesQuerySchema = z.strictObject({
  limit: integerParam(
    z.coerce.number().int().min(1, 'limit must be at least 1').max(DELIVERY_LOG_SIZE, `limit must be at most ${DELIVERY_LOG_SIZE}`).default(20),
  ),
});

// ---- responses ----

const subscriptionConfigShape = {
  subscriptionId: z.string(),
  eventStoreName: z.string(),
  url: z.string(),
  /** null: every type. */
  eventTypes: z.array(z.string()).nullable(),
  streamType: z.string().nullable(),
  streamIdPattern: z.string().nullable(),
  batchSize: z.number().int(),
  description: z.string().nullable(),
  status: subscriptionStatusSchema,
  /** The next global position to deliver: every matching event before it has been delivered (2xx). */
  position: z.number().int().min(0),
  createdAt: z.string(),
};

/** 201 of create: the only answer that carries the signing secret. */
export const createdSubscriptionSchema = z.object({
  ...subscriptionConfigShape,
  /** `whsec_` + 32 random bytes (base64url). Shown only here. */
  secret: z.string(),
});
export type CreatedSubscription = z.infer<typeof createdSubscriptionSchema>;

/** A subscription as reads show it: never the secret. */
export const subscriptionSchema = z.object({
  ...subscriptionConfigShape,
  /** Events of the store at or after `position`: not yet delivered (or, when they do not match the filters, not yet passed over). */
  lag: z.number().int().min(0),
  lastDeliveredAt: z.string().nullable(),
  /** The last failed attempt's reason (`HTTP 500`, `timeout after 10000 ms`, …); null after a success. */
  lastError: z.string().nullable(),
  consecutiveFailures: z.number().int().min(0),
  /** When the next retry of a failed batch is due; null when nothing waits for a retry. */
  nextAttemptAt: z.string().nullable(),
});
export type SubscriptionResponse = z.infer<typeof subscriptionSchema>;

export const subscriptionsPageResponseSchema = z.object({ subscriptions: z.array(subscriptionSchema), pagination: paginationSchema });
export type SubscriptionsPageResponse = z.infer<typeof subscriptionsPageResponseSchema>;

export const SUBSCRIPTION_DELETED_MESSAGE = 'Subscription deleted successfully';
export const deleteSubscriptionResponseSchema = z.object({
  success: z.literal(true),
  message: z.literal(SUBSCRIPTION_DELETED_MESSAGE),
});

/** One HTTP attempt to deliver a batch. */
export const deliveryAttemptSchema = z.object({
  /** The batch's id: the same on every retry of the same batch (the `x-eventlane-delivery` header). */
  deliveryId: z.string(),
  /** Global positions of the batch's first and last event. */
  fromPosition: z.number().int().min(0),
  toPosition: z.number().int().min(0),
  eventCount: z.number().int().min(1),
  /** 1 for the first attempt of this batch. */
  attempt: z.number().int().min(1),
  /** The receiver's status code; null when no answer came (network error, timeout, refused address). */
  statusCode: z.number().int().nullable(),
  /** Why the attempt failed (`HTTP 503`, `timeout after 10000 ms`, `connection refused`, …); null for a 2xx. */
  error: z.string().nullable(),
  durationMs: z.number().min(0),
  attemptedAt: z.string(),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

export const deliveriesResponseSchema = z.object({ deliveries: z.array(deliveryAttemptSchema) });
export type DeliveriesResponse = z.infer<typeof deliveriesResponseSchema>;

/** The body of a webhook request. */
export const webhookPayloadSchema = z.object({
  subscriptionId: z.string(),
  eventStoreName: z.string(),
  deliveryId: z.string(),
  events: z.array(globalEventSchema),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export const WEBHOOK_HEADERS = {
  subscription: 'x-eventlane-subscription',
  delivery: 'x-eventlane-delivery',
  signature: 'x-eventlane-signature',
} as const;

// ---- tRPC inputs: the REST parameters plus the path's names ----

export const createSubscriptionInputSchema = createSubscriptionRequestSchema.extend({ eventStoreName: eventStoreNameSchema });
export const subscriptionRefSchema = subscriptionParamsSchema;
export const updateSubscriptionInputSchema = updateSubscriptionRequestSchema.extend(subscriptionParamsSchema.shape);
export const replaySubscriptionInputSchema = replaySubscriptionRequestSchema.extend(subscriptionParamsSchema.shape);
export const listDeliveriesInputSchema = listDeliveriesQuerySchema.extend(subscriptionParamsSchema.shape);
export function makeListSubscriptionsInputSchema(limits: Pick<Limits, 'maxPageSize'> = DEFAULT_LIMITS) {
  return makeListSubscriptionsQuerySchema(limits).extend({ eventStoreName: eventStoreNameSchema });
}

/**
 * Whether an event type matches a subscription's `eventTypes` (null: every type). Shared by the
 * server's delivery and by anyone who wants to predict what a subscription receives.
 */
export function matchesEventTypes(patterns: readonly string[] | null, type: string): boolean {
  if (patterns === null) return true;
  return patterns.some((pattern) => (pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern));
}
