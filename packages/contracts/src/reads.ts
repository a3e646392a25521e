import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { eventStoreNameSchema, streamIdSchema, streamTypeSchema } from './names.js';
import {
  apiKeyInfoSchema,
  apiKeyScopeSchema,
  eventStoreStatisticsSchema,
  eventStoreSummarySchema,
  globalEventSchema,
  storedEventSchema,
  streamSummarySchema,
} from './events.js';

/*
 * Reading and administration: query/input schemas (shared by the REST routes, the tRPC procedures
 * and the client) and response bodies. Query strings arrive as strings, tRPC inputs as JSON, so
 * numbers and booleans accept both (`z.coerce`, `"true"`/`true`).
 */

export const SORT_DIRECTIONS = ['asc', 'desc'] as const;
export const sortDirectionSchema = z.enum(SORT_DIRECTIONS);
export type SortDirection = z.infer<typeof sortDirectionSchema>;

export const STREAM_SORT_KEYS = ['streamId', 'createdAt', 'updatedAt'] as const;
export const streamSortKeySchema = z.enum(STREAM_SORT_KEYS);

/** `true`/`false` from a query string, or a JSON boolean. */
export const booleanParamSchema = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .transform((value) => value === true || value === 'true');

/**
 * An integer from a query string (`"12"`) or JSON (`12`). A string must be digits (with an optional
 * minus, so that a negative gets its own message): `z.coerce` alone would read `""` and `" "` as 0,
 * `"1e3"` as 1000 and `"0x10"` as 16, where the document says integer.
 */
export function integerParam<T extends z.ZodType>(schema: T) {
  return z.preprocess((value, ctx) => {
    if (typeof value === 'string' && !/^-?\d+$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected a whole number (digits only)', input: value });
      return z.NEVER;
    }
    return value;
  }, schema);
}

/** A non-negative integer from a query string (`"12"`) or JSON (`12`). */
export const positionSchema = integerParam(z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER));

/** `type` may repeat in a query string (`?type=a&type=b`), so it is one string or several. */
export const eventTypeFilterSchema = z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).max(100)]);

/** The type filter as a list (empty = no filter). */
export function typeList(type: string | string[] | undefined): string[] | undefined {
  if (type === undefined) return undefined;
  return Array.isArray(type) ? type : [type];
}

/**
 * A glob over stream ids: stream-id characters plus `*` (any run) and `?` (one character).
 * Anything else (`[`, `/`, spaces, regex syntax) is rejected rather than guessed at.
 */
export const streamIdPatternSchema = z
  .string()
  .min(1, 'streamIdPattern must not be empty')
  .max(256, 'streamIdPattern must be at most 256 characters')
  .regex(
    /^[A-Za-z0-9_.:@*?-]+$/,
    'streamIdPattern is a glob of stream-id characters with "*" (any run) and "?" (one character)',
  );

export function makePageQueryShape(limits: Pick<Limits, 'maxPageSize' | 'defaultPageSize'> = DEFAULT_LIMITS) {
  return {
    limit: integerParam(
      z.coerce
        .number()
        .int()
        .min(1, 'limit must be at least 1')
        .max(limits.maxPageSize, `limit must be at most ${limits.maxPageSize}`)
        .default(limits.defaultPageSize),
    ),
    offset: integerParam(
      z.coerce.number().int().min(0, 'offset must not be negative').max(Number.MAX_SAFE_INTEGER).default(0),
    ),
  };
}

type PageLimits = Pick<Limits, 'maxPageSize' | 'defaultPageSize'>;

/** `GET /api/event-stores?limit&offset` */
export function makeListEventStoresQuerySchema(limits: PageLimits = DEFAULT_LIMITS) {
  return z.strictObject(makePageQueryShape(limits));
}

/** Filters and paging of an event read (`.../streams/{streamId}/events` and `.../events`). */
function eventReadShape(limits: PageLimits) {
  return {
    type: eventTypeFilterSchema.optional(),
    fromPosition: positionSchema.optional(),
    toPosition: positionSchema.optional(),
    ...makePageQueryShape(limits),
    sortDirection: sortDirectionSchema.default('asc'),
    includeCount: booleanParamSchema.default(false),
  };
}

/** `GET /api/event-stores/{name}/streams/{streamId}/events`: positions are stream positions, inclusive. */
export function makeReadStreamEventsQuerySchema(limits: PageLimits = DEFAULT_LIMITS) {
  return z.strictObject(eventReadShape(limits));
}

/** `GET /api/event-stores/{name}/events`: positions are global positions, inclusive. */
export function makeReadStoreEventsQuerySchema(limits: PageLimits = DEFAULT_LIMITS) {
  return z.strictObject({ streamId: streamIdSchema.optional(), ...eventReadShape(limits) });
}

function streamListShape(limits: PageLimits) {
  return {
    streamIdPattern: streamIdPatternSchema.optional(),
    ...makePageQueryShape(limits),
    sortBy: streamSortKeySchema.default('streamId'),
    sortDirection: sortDirectionSchema.default('asc'),
    includeCount: booleanParamSchema.default(false),
  };
}

/** `GET /api/event-stores/{name}/streams` */
export function makeListStreamsQuerySchema(limits: PageLimits = DEFAULT_LIMITS) {
  return z.strictObject({ streamType: streamTypeSchema.optional(), ...streamListShape(limits) });
}

/** `GET /api/event-stores/{name}/stream-types/{streamType}/streams` (the type is in the path). */
export function makeListStreamsOfTypeQuerySchema(limits: PageLimits = DEFAULT_LIMITS) {
  return z.strictObject(streamListShape(limits));
}

/** `DELETE /api/event-stores/{name}?confirm=true`; anything but `true` answers CONFIRMATION_REQUIRED. */
export const deleteEventStoreQuerySchema = z.strictObject({
  // Validated as any string so that a wrong value gets the spec's CONFIRMATION_REQUIRED body, not a
  // zod issue list; documented as the one value that confirms.
  confirm: z.string().max(16).meta({ enum: ['true'] }).optional(),
});

export const createEventStoreRequestSchema = z.strictObject({
  name: eventStoreNameSchema,
  description: z.string().max(1000, 'description must be at most 1000 characters').optional(),
});
export type CreateEventStoreRequest = z.infer<typeof createEventStoreRequestSchema>;

export const eventStoreParamsSchema = z.strictObject({ eventStoreName: eventStoreNameSchema });
export const streamReadParamsSchema = z.strictObject({ eventStoreName: eventStoreNameSchema, streamId: streamIdSchema });
export const streamTypeParamsSchema = z.strictObject({ eventStoreName: eventStoreNameSchema, streamType: streamTypeSchema });

// ---- responses ----

export const paginationSchema = z.object({
  limit: z.number().int().min(0),
  offset: z.number().int().min(0),
  /** Present when `includeCount=true` was asked (always for event stores). */
  total: z.number().int().min(0).optional(),
  hasMore: z.boolean(),
});
export type Pagination = z.infer<typeof paginationSchema>;

/** A page of one stream's events (a `globalPosition` may still be `null` on MongoDB). */
export const eventsPageResponseSchema = z.object({ events: z.array(storedEventSchema), pagination: paginationSchema });
export type EventsPageResponse = z.infer<typeof eventsPageResponseSchema>;

/** A page of a store's global order: every event has its `globalPosition`. */
export const globalEventsPageResponseSchema = z.object({ events: z.array(globalEventSchema), pagination: paginationSchema });
export type GlobalEventsPageResponse = z.infer<typeof globalEventsPageResponseSchema>;

export const streamResponseSchema = z.object({
  events: z.array(storedEventSchema),
  currentStreamVersion: z.number().int().min(0),
});
export type StreamResponse = z.infer<typeof streamResponseSchema>;

export const streamsPageResponseSchema = z.object({ streams: z.array(streamSummarySchema), pagination: paginationSchema });
export type StreamsPageResponse = z.infer<typeof streamsPageResponseSchema>;

export const eventStoresPageResponseSchema = z.object({
  eventStores: z.array(eventStoreSummarySchema),
  pagination: paginationSchema,
});
export type EventStoresPageResponse = z.infer<typeof eventStoresPageResponseSchema>;

/** `<org>:<name>` */
export const eventStoreIdSchema = z.string();

export const eventStoreCreatedResponseSchema = z.object({
  eventStoreId: eventStoreIdSchema,
  eventStoreName: z.string(),
  description: z.string().nullable(),
  created: z.string(),
});
export type EventStoreCreatedResponse = z.infer<typeof eventStoreCreatedResponseSchema>;

export const eventStoreDetailsResponseSchema = eventStoreCreatedResponseSchema.extend({
  statistics: eventStoreStatisticsSchema,
});
export type EventStoreDetailsResponse = z.infer<typeof eventStoreDetailsResponseSchema>;

export const EVENT_STORE_DELETED_MESSAGE = 'Event store deleted successfully';
export const CONFIRMATION_REQUIRED_MESSAGE = 'Please confirm this operation by setting confirm=true';

export const deleteEventStoreResponseSchema = z.object({
  success: z.literal(true),
  message: z.literal(EVENT_STORE_DELETED_MESSAGE),
});

/** The page size of a whole-stream read; a longer stream answers STREAM_TOO_LARGE. */
export const WHOLE_STREAM_READ_LIMIT = 1000;

// ---- tRPC-only inputs (stats, API keys, live tails) ----

export const eventCountsByTypeResponseSchema = z.object({
  counts: z.array(z.object({ type: z.string(), count: z.number().int().min(0) })),
});

export const eventsPerMinuteInputSchema = z.strictObject({
  eventStoreName: eventStoreNameSchema,
  /** How far back, in minutes (default one hour, at most one week). */
  windowMinutes: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60),
});
export const eventsPerMinuteResponseSchema = z.object({
  since: z.string(),
  buckets: z.array(z.object({ minute: z.string(), count: z.number().int().min(0) })),
});

export const createApiKeyInputSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  scopes: z.array(apiKeyScopeSchema).min(1, 'At least one scope is required'),
});
export const createdApiKeySchema = z.object({
  /** Shown only in this response; only its hash is stored. */
  key: z.string(),
  info: apiKeyInfoSchema,
});
export const revokeApiKeyInputSchema = z.strictObject({ keyId: z.string().min(1).max(100) });

/**
 * Live tail of a store in global order from `fromPosition` (default: only new events). On
 * reconnect the SSE `Last-Event-ID` (the last global position seen) takes precedence.
 */
export const storeTailInputSchema = z.strictObject({
  eventStoreName: eventStoreNameSchema,
  fromPosition: positionSchema.optional(),
  streamId: streamIdSchema.optional(),
  type: eventTypeFilterSchema.optional(),
  lastEventId: z.string().max(32).optional(),
});
export type StoreTailInput = z.input<typeof storeTailInputSchema>;

/** Live tail of one stream from a stream position (default: only new events). */
export const streamTailInputSchema = z.strictObject({
  eventStoreName: eventStoreNameSchema,
  streamId: streamIdSchema,
  fromPosition: positionSchema.optional(),
  lastEventId: z.string().max(32).optional(),
});
export type StreamTailInput = z.input<typeof streamTailInputSchema>;
