import { z } from 'zod';

/** Every read returns events in this shape. */
export const storedEventSchema = z.object({
  eventId: z.string(),
  streamId: z.string(),
  streamType: z.string(),
  /** 0-based position within the stream. */
  streamPosition: z.number().int().min(0),
  /**
   * 0-based position within the store's global order. On MongoDB a store's sequencer gives it
   * shortly after the append is acknowledged, so a stream read may show `null` for the newest
   * events; SQLite assigns it in the append itself. Reads of the global order never return `null`.
   */
  globalPosition: z
    .number()
    .int()
    .min(0)
    .nullable()
    .meta({
      description:
        "0-based position in the store's global order. On MongoDB the store's sequencer gives it shortly after the append is acknowledged (typically milliseconds), so a stream read may show null for the newest events; on SQLite it is never null. Reads of the global order (/events, tails) only return events that have one.",
    }),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  schemaVersion: z.string().nullable(),
  /** Shared by all events of one append. */
  transactionId: z.string(),
  /** ISO 8601 UTC, server time. */
  createdAt: z.string(),
});
export type StoredEvent = z.infer<typeof storedEventSchema>;

/** An event read from a store's global order (`/events`, tails, webhooks): its position is always known. */
export const globalEventSchema = storedEventSchema.extend({
  globalPosition: z.number().int().min(0).meta({ description: "0-based position in the store's global order." }),
});
export type GlobalEvent = z.infer<typeof globalEventSchema>;

export const streamSummarySchema = z.object({
  streamId: z.string(),
  streamType: z.string(),
  streamVersion: z.number().int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StreamSummary = z.infer<typeof streamSummarySchema>;

export const eventStoreSummarySchema = z.object({
  eventStoreName: z.string(),
  description: z.string().nullable(),
  created: z.string(),
});
export type EventStoreSummary = z.infer<typeof eventStoreSummarySchema>;

export const eventStoreStatisticsSchema = z.object({
  totalStreams: z.number().int().min(0),
  totalEvents: z.number().int().min(0),
  oldestEventTimestamp: z.string().nullable(),
  newestEventTimestamp: z.string().nullable(),
});
export type EventStoreStatistics = z.infer<typeof eventStoreStatisticsSchema>;

export const API_KEY_SCOPES = ['append', 'read', 'admin'] as const;
export const apiKeyScopeSchema = z.enum(API_KEY_SCOPES);
export type ApiKeyScope = z.infer<typeof apiKeyScopeSchema>;

/** What is shown of a key after creation: never the key itself. */
export const apiKeyInfoSchema = z.object({
  keyId: z.string(),
  organizationId: z.string(),
  name: z.string().nullable(),
  /** The first characters of the key (`el_AbCd…`), to recognise it. */
  prefix: z.string(),
  scopes: z.array(apiKeyScopeSchema),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyInfo = z.infer<typeof apiKeyInfoSchema>;
