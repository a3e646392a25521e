import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { eventStoreNameSchema, streamIdSchema, streamTypeSchema } from './names.js';
import { globalEventSchema, type StoredEvent } from './events.js';
import { eventTypeFilterSchema, integerParam, positionSchema, sortDirectionSchema, streamIdPatternSchema, typeList } from './reads.js';

/*
 * The store-wide event explorer: `GET /api/event-stores/{name}/events/search` and `events.search`.
 * Filters beyond what the storage port indexes (type, stream id) are applied while scanning the
 * store's global order, and the scan is bounded: at most `scanLimit` events are examined per
 * request. The answer says where the scan stopped (`scan.nextPosition`), so a caller goes on from
 * there; `null` means the end of the store (or the start, newest first) was reached.
 */

/** How many events one search request examines at most, by default and at most. */
export const DEFAULT_SCAN_LIMIT = 10_000;
export const MAX_SCAN_LIMIT = 100_000;

/** An ISO 8601 date-time with an offset (`2026-01-31T12:00:00Z`). */
const instantSchema = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time such as 2026-01-31T12:00:00Z' });

/** A metadata key: a top-level field of `metadata`, e.g. `correlationId`. */
export const metadataKeySchema = z
  .string()
  .min(1, 'metadataKey must not be empty')
  .max(128, 'metadataKey must be at most 128 characters')
  .regex(/^[A-Za-z0-9_.$@-]+$/, 'metadataKey may contain only letters, digits and "_", ".", "$", "@", "-"');

function searchShape(limits: Pick<Limits, 'maxPageSize'>) {
  return {
    /** Event types (any of them); may repeat. */
    type: eventTypeFilterSchema.optional(),
    streamType: streamTypeSchema.optional(),
    /** A glob over stream ids: `*` any run, `?` one character. */
    streamIdPattern: streamIdPatternSchema.optional(),
    /** `createdAt` at or after this instant. */
    createdFrom: instantSchema.optional(),
    /** `createdAt` before this instant (exclusive). */
    createdTo: instantSchema.optional(),
    /**
     * A top-level metadata field: alone, events that have it; with `metadataValue`, events whose
     * field, as text, equals the value. A `metadataValue` alone matches any top-level field.
     */
    metadataKey: metadataKeySchema.optional(),
    metadataValue: z.string().max(1024, 'metadataValue must be at most 1024 characters').optional(),
    /** Only the events of one append. */
    transactionId: z.string().min(1).max(128).optional(),
    /** Where the scan starts, inclusive: the lowest position oldest first, the highest newest first (default: the start or the head). */
    position: positionSchema.optional(),
    sortDirection: sortDirectionSchema.default('desc'),
    /** The most matching events returned. */
    limit: integerParam(
      z.coerce
        .number()
        .int()
        .min(1, 'limit must be at least 1')
        .max(limits.maxPageSize, `limit must be at most ${limits.maxPageSize}`)
        .default(100),
    ),
    /** The most events examined by this request (bounds its cost whatever the filters). */
    scanLimit: integerParam(
      z.coerce
        .number()
        .int()
        .min(1, 'scanLimit must be at least 1')
        .max(MAX_SCAN_LIMIT, `scanLimit must be at most ${MAX_SCAN_LIMIT}`)
        .default(DEFAULT_SCAN_LIMIT),
    ),
  };
}

/** `GET /api/event-stores/{name}/events/search` */
export function makeSearchStoreEventsQuerySchema(limits: Pick<Limits, 'maxPageSize'> = DEFAULT_LIMITS) {
  // Every combination of filters means something (a reversed time range matches nothing), so there
  // is no rule across fields that the OpenAPI document could not state.
  return z.strictObject(searchShape(limits));
}
export type SearchStoreEventsQuery = z.infer<ReturnType<typeof makeSearchStoreEventsQuerySchema>>;

/** `events.search`: the same, with the store's name. */
export function makeSearchStoreEventsInputSchema(limits: Pick<Limits, 'maxPageSize'> = DEFAULT_LIMITS) {
  return z.strictObject({ eventStoreName: eventStoreNameSchema, ...searchShape(limits) });
}
export type SearchStoreEventsInput = z.input<ReturnType<typeof makeSearchStoreEventsInputSchema>>;

export const searchStoreEventsResponseSchema = z.object({
  events: z.array(globalEventSchema),
  scan: z.object({
    /** Events this request examined. */
    examined: z.number().int().min(0),
    /** Where to go on (pass it as `position`), or null when the scan reached the end of the store in its direction. */
    nextPosition: z.number().int().min(0).nullable(),
    /** The store's highest global position when the scan began (-1 for an empty store). */
    headPosition: z.number().int().min(-1),
  }),
});
export type SearchStoreEventsResponse = z.infer<typeof searchStoreEventsResponseSchema>;

/** The filters of a search that are checked event by event (the admin app's live tail applies the same). */
export interface EventFilter {
  types?: string[];
  streamType?: string;
  streamIdPattern?: string;
  createdFrom?: string;
  createdTo?: string;
  metadataKey?: string;
  metadataValue?: string;
  transactionId?: string;
}

export function eventFilterOf(query: { type?: string | string[] } & Omit<EventFilter, 'types'>): EventFilter {
  const { type, ...rest } = query;
  return { ...rest, types: typeList(type) };
}

/** `user-*` → /^user-.*$/ (stream ids have no regex syntax: see streamIdPatternSchema). */
export function streamGlobToRegExp(glob: string): RegExp {
  let source = '^';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(source + '$');
}

/** A metadata value as compared with `metadataValue`: strings as they are, anything else as JSON. */
export function metadataText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One predicate for a filter, for the server's scan and the app's live tail alike. */
export function compileEventFilter(filter: EventFilter): (event: StoredEvent) => boolean {
  const types = filter.types && filter.types.length > 0 ? new Set(filter.types) : null;
  const pattern = filter.streamIdPattern ? streamGlobToRegExp(filter.streamIdPattern) : null;
  const from = filter.createdFrom ? Date.parse(filter.createdFrom) : null;
  const to = filter.createdTo ? Date.parse(filter.createdTo) : null;
  return (event) => {
    if (types && !types.has(event.type)) return false;
    if (filter.streamType !== undefined && event.streamType !== filter.streamType) return false;
    if (pattern && !pattern.test(event.streamId)) return false;
    if (filter.transactionId !== undefined && event.transactionId !== filter.transactionId) return false;
    if (from !== null || to !== null) {
      const at = Date.parse(event.createdAt);
      if (from !== null && at < from) return false;
      if (to !== null && at >= to) return false;
    }
    if (filter.metadataKey !== undefined) {
      const metadata = event.metadata;
      if (!metadata || !Object.prototype.hasOwnProperty.call(metadata, filter.metadataKey)) return false;
      if (filter.metadataValue !== undefined && metadataText(metadata[filter.metadataKey]) !== filter.metadataValue) return false;
    } else if (filter.metadataValue !== undefined) {
      const metadata = event.metadata;
      if (!metadata || !Object.values(metadata).some((value) => metadataText(value) === filter.metadataValue)) return false;
    }
    return true;
  };
}

/** A stream-id glob with no wildcard names one stream, which the storage port filters by index. */
export function exactStreamId(pattern: string | undefined): string | undefined {
  if (pattern === undefined || /[*?]/.test(pattern)) return undefined;
  return streamIdSchema.safeParse(pattern).success ? pattern : undefined;
}

// ---- server facts for the admin app's health page ----

export const systemInfoSchema = z.object({
  /** The package version of the server. */
  version: z.string(),
  storage: z.enum(['sqlite', 'mongodb']),
  /** Whether storage answered a ping just now (what `/readyz` says). */
  ready: z.boolean(),
  startedAt: z.string(),
  uptimeSeconds: z.number().min(0),
  nodeVersion: z.string(),
  /** Figures of this instance since it started (the same counters as `/metrics`). */
  metrics: z.object({
    /** Appends by outcome: written, replay, version_conflict, duplicate_event_id, error. */
    appends: z.record(z.string(), z.number().min(0)),
    eventsWritten: z.number().min(0),
    /** Answers by status class and the statuses operators watch. */
    responses: z.object({
      total: z.number().min(0),
      status409: z.number().min(0),
      status429: z.number().min(0),
      status503: z.number().min(0),
      status5xx: z.number().min(0),
    }),
    /** 50th and 99th percentile of the append route's latency in ms (an upper bound: the histogram bucket it falls in), null before any append. */
    appendLatencyMs: z.object({ p50: z.number().nullable(), p99: z.number().nullable(), count: z.number().min(0) }),
    /** Resident memory of the process in bytes. */
    residentMemoryBytes: z.number().min(0).nullable(),
  }),
});
export type SystemInfo = z.infer<typeof systemInfoSchema>;
