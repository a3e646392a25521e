import { z } from 'zod';

/** `orders`, `billing-2024`: 3–63 chars of `[a-z0-9_-]`, starting with a letter or digit. */
export const eventStoreNameSchema = z
  .string()
  .min(3, 'Event store name must be at least 3 characters')
  .max(63, 'Event store name must be at most 63 characters')
  .regex(
    /^[a-z0-9][a-z0-9_-]*$/,
    'Event store name may contain only lowercase letters, digits, "_" and "-", and must start with a letter or digit',
  );

/** `user-123`, `order_456`, `product:789`: 1–256 chars of `[A-Za-z0-9_.:@-]`. */
export const streamIdSchema = z
  .string()
  .min(1, 'Stream id must not be empty')
  .max(256, 'Stream id must be at most 256 characters')
  .regex(/^[A-Za-z0-9_.:@-]+$/, 'Stream id may contain only letters, digits and "_", ".", ":", "@", "-"');

/** Organization ids are chosen by operators through the CLI; they appear in `eventStoreId` (`<org>:<name>`). */
export const organizationIdSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'Organization id may contain only lowercase letters, digits, "_" and "-"');

/** A stream type is what `parseStreamType` returns: the same characters as a stream id minus the delimiters. */
export const streamTypeSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9.@]+$/, 'Stream type may contain only letters, digits, "." and "@"');

const STREAM_TYPE_DELIMITER = /[-_:]/;

/**
 * The stream type is the part of the id before its first `-`, `_` or `:`.
 * An id with no delimiter is its own type; so is an id that starts with one
 * (`-x` has no first segment to name a type, so the whole id is used).
 *
 * @example parseStreamType('a-b_c:d') // 'a'
 */
export function parseStreamType(streamId: string): string {
  const index = streamId.search(STREAM_TYPE_DELIMITER);
  if (index <= 0) return streamId;
  return streamId.slice(0, index);
}

export type EventStoreName = z.infer<typeof eventStoreNameSchema>;
export type StreamId = z.infer<typeof streamIdSchema>;
