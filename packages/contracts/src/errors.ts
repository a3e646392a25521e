import { z } from 'zod';

export const UNAUTHORIZED_MESSAGE = 'Unauthorized: Organization ID not found in authentication context';

export const issueSchema = z.object({
  code: z.string(),
  message: z.string(),
  path: z.array(z.union([z.string(), z.number()])),
});
export type ValidationIssue = z.infer<typeof issueSchema>;

/** 400: body, path or query invalid. `details` is the zod issue list. */
export const invalidRequestErrorSchema = z.object({
  error: z.literal('Invalid request body'),
  details: z.array(issueSchema),
});

export const unauthorizedErrorSchema = z.object({
  error: z.literal('UNAUTHORIZED'),
  message: z.literal(UNAUTHORIZED_MESSAGE),
});

export const forbiddenErrorSchema = z.object({
  error: z.literal('FORBIDDEN'),
  message: z.string(),
});

/** 409: the expectation was not met. For the string modes `expectedVersion` echoes the string. */
export const versionConflictErrorSchema = z.object({
  error: z.literal('Version conflict'),
  details: z.string(),
  currentVersion: z.number().int().min(0),
  expectedVersion: z.union([z.number().int().min(0), z.enum(['no_stream', 'stream_exists'])]),
});

/** 409: some but not all event ids are already stored, or stored at another place. */
export const duplicateEventIdErrorSchema = z.object({
  error: z.literal('Duplicate event id'),
  details: z.string(),
  eventIds: z.array(z.string()),
});

export const payloadTooLargeErrorSchema = z.object({
  error: z.literal('Payload too large'),
  message: z.string(),
});

/**
 * 431: the request's headers are larger than Node's limit (16 KiB). Answered by the HTTP layer
 * before any route runs, so any operation may give it.
 */
export const headersTooLargeErrorSchema = z.object({
  error: z.literal('Request header fields too large'),
  message: z.string(),
});

export const tooManyRequestsErrorSchema = z.object({
  error: z.literal('Too many requests'),
  message: z.string(),
});

export const serviceUnavailableErrorSchema = z.object({
  error: z.literal('Service unavailable'),
  message: z.string(),
});

/** Reads and administration: `{ error: CODE, message }`, e.g. `EVENT_STORE_NOT_FOUND`. */
export const codedErrorSchema = z.object({
  error: z.string(),
  message: z.string(),
});

/** 500: an unexpected failure; the request id finds it in the logs. Never a stack trace. */
export const internalErrorSchema = z.object({
  error: z.literal('INTERNAL_ERROR'),
  message: z.string(),
  requestId: z.string(),
});

export type InvalidRequestError = z.infer<typeof invalidRequestErrorSchema>;
export type VersionConflictErrorBody = z.infer<typeof versionConflictErrorSchema>;
export type DuplicateEventIdErrorBody = z.infer<typeof duplicateEventIdErrorSchema>;
export type CodedError = z.infer<typeof codedErrorSchema>;

/** Words for a conflict, as the spec writes them. */
export function describeVersionConflict(expected: number | 'no_stream' | 'stream_exists', current: number): string {
  if (expected === 'no_stream') return `Expected stream to not exist but stream is at version ${current}`;
  if (expected === 'stream_exists') return 'Expected stream to exist but it does not';
  return `Expected version ${expected} but stream is at version ${current}`;
}
