import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  UNAUTHORIZED_MESSAGE,
  describeVersionConflict,
  type ValidationIssue,
} from '@eventlane/contracts';
import { DuplicateEventIdError, StoreError, VersionConflictError } from '@eventlane/store';

/** Seconds a client should wait after a 503 before retrying. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/** An error that already knows its HTTP answer. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : String(body.error));
    this.name = 'HttpError';
  }
}

export const unauthorized = () => new HttpError(401, { error: 'UNAUTHORIZED', message: UNAUTHORIZED_MESSAGE });
export const forbidden = (scope: string) =>
  new HttpError(403, { error: 'FORBIDDEN', message: `Forbidden: this API key lacks the "${scope}" scope` });
export const notFound = (error: string, message: string) => new HttpError(404, { error, message });
export const invalidRequest = (details: ValidationIssue[]) =>
  new HttpError(400, { error: 'Invalid request body', details });

/** Zod issues carried on the error our validator compiler returns; fastify adds `validationContext`. */
export interface ZodValidationError extends Error {
  zodIssues: z.core.$ZodIssue[];
  validationContext?: string;
}

const CONTEXT_PATH: Record<string, string | undefined> = { params: 'params', querystring: 'query', headers: 'headers' };

export function toValidationIssues(issues: z.core.$ZodIssue[], context?: string): ValidationIssue[] {
  const prefix = context ? CONTEXT_PATH[context] : undefined;
  return issues.map((issue) => {
    const path = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
    return { code: issue.code, message: issue.message, path: prefix ? [prefix, ...path] : path };
  });
}

/** The one table from storage errors to HTTP. */
function fromStoreError(error: StoreError): HttpError {
  if (error instanceof VersionConflictError) {
    return new HttpError(409, {
      error: 'Version conflict',
      details: describeVersionConflict(error.expected, error.current),
      currentVersion: error.current,
      expectedVersion: error.expected,
    });
  }
  if (error instanceof DuplicateEventIdError) {
    return new HttpError(409, {
      error: 'Duplicate event id',
      details: `Event ids already stored, not as a replay of this append: ${error.eventIds.join(', ')}`,
      eventIds: error.eventIds,
    });
  }
  switch (error.code) {
    case 'UNAVAILABLE':
      return new HttpError(
        503,
        { error: 'Service unavailable', message: 'Storage is unavailable; nothing was written. Retry later.' },
        { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
      );
    case 'EVENT_STORE_EXISTS':
      return new HttpError(409, { error: 'EVENT_STORE_EXISTS', message: 'An event store with this name already exists' });
    case 'EVENT_STORE_NOT_FOUND':
      return notFound('EVENT_STORE_NOT_FOUND', 'Event store not found');
    case 'ORGANIZATION_EXISTS':
      return new HttpError(409, { error: 'ORGANIZATION_EXISTS', message: 'Organization already exists' });
    case 'ORGANIZATION_NOT_FOUND':
      return notFound('ORGANIZATION_NOT_FOUND', 'Organization not found');
    case 'API_KEY_NOT_FOUND':
      return notFound('API_KEY_NOT_FOUND', 'API key not found');
    default:
      return internal(error);
  }
}

function internal(_error: unknown): HttpError {
  return new HttpError(500, { error: 'INTERNAL_ERROR', message: 'Internal server error' });
}

function parseIssue(code: string, message: string): HttpError {
  return invalidRequest([{ code, message, path: [] }]);
}

/** Fastify's own errors (body parsing, limits, routing) in our documented shapes. */
function fromFastifyError(error: FastifyError): HttpError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, { error: 'Payload too large', message: 'Request body is larger than the limit' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return parseIssue('invalid_json', 'Body must not be empty when Content-Type is application/json');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return parseIssue('invalid_content_type', 'Content-Type must be application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return parseIssue('invalid_content_length', 'Content-Length does not match the body');
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    // secure-json-parse rejects `__proto__` and `constructor.prototype` keys: they could poison prototypes.
    const forbidden = /prototype/i.test(error.message);
    return forbidden
      ? parseIssue('forbidden_key', 'Body contains a forbidden key ("__proto__" or "constructor.prototype")')
      : parseIssue('invalid_json', 'Body is not valid JSON');
  }
  if (error.statusCode === 429) return null; // built by the rate limiter
  return null;
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreError) return fromStoreError(error);
  const candidate = error as Partial<ZodValidationError & FastifyError>;
  if (candidate && Array.isArray(candidate.zodIssues)) {
    return invalidRequest(toValidationIssues(candidate.zodIssues, candidate.validationContext));
  }
  if (candidate && typeof candidate === 'object' && 'code' in candidate) {
    const mapped = fromFastifyError(candidate as FastifyError);
    if (mapped) return mapped;
  }
  return internal(error);
}

export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const http = toHttpError(error);
  if (http.statusCode >= 500) {
    const logged = http.statusCode === 503 ? 'warn' : 'error';
    request.log[logged]({ err: error }, 'request failed');
  }
  const body = http.statusCode === 500 ? { ...http.body, requestId: request.id } : http.body;
  return reply.code(http.statusCode).headers(http.headers).type('application/json').send(JSON.stringify(body));
}
