import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
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
/** 429 from the rate limiter (per API key); `Retry-After` says when the window frees up. */
export const tooManyRequests = (retryAfterSeconds: number) =>
  new HttpError(429, { error: 'Too many requests', message: `Rate limit exceeded, retry in ${retryAfterSeconds} s` }, { 'retry-after': String(retryAfterSeconds) });
/** Reads and administration answer `{ error: CODE, message }`. */
export const codedError = (statusCode: number, error: string, message: string) => new HttpError(statusCode, { error, message });
export const eventStoreNotFound = () => notFound('EVENT_STORE_NOT_FOUND', 'Event store not found');
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
      return eventStoreNotFound();
    case 'ORGANIZATION_EXISTS':
      return new HttpError(409, { error: 'ORGANIZATION_EXISTS', message: 'Organization already exists' });
    case 'ORGANIZATION_NOT_FOUND':
      return notFound('ORGANIZATION_NOT_FOUND', 'Organization not found');
    case 'API_KEY_NOT_FOUND':
      return notFound('API_KEY_NOT_FOUND', 'API key not found');
    case 'SUBSCRIPTION_LIMIT':
      return new HttpError(409, { error: 'SUBSCRIPTION_LIMIT', message: error.message });
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
    // A body-carrying method (QUERY, found by schemathesis) without Content-Type: fastify throws this
    // before routing to the not-found handler, which made it a 500.
    case 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE':
      return parseIssue('invalid_content_type', 'Content-Type is required for a request with this method');
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
  // Any other client error fastify raises is still the client's: a 400 with fastify's own message
  // (which names no internals), never a 500.
  if (typeof error.code === 'string' && error.code.startsWith('FST_ERR_') && error.statusCode === 400) {
    return parseIssue('invalid_request', error.message);
  }
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

/**
 * The tRPC side of the same table: every failure is first mapped to its HTTP answer above, then
 * to the tRPC code of that status, so REST and tRPC can't disagree. The HTTP body rides along as
 * the cause; the error formatter (trpc.ts) exposes its `error` code and `details` as `data`.
 */
const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

export function toTRPCError(error: unknown): TRPCError {
  const http = error instanceof TRPCError ? fromTRPCError(error) : toHttpError(error);
  const code = TRPC_CODE_BY_STATUS[http.statusCode] ?? 'INTERNAL_SERVER_ERROR';
  if (error instanceof TRPCError && error.cause === http && error.code === code) return error;
  return new TRPCError({ code, message: http.message, cause: http });
}

/** tRPC's own errors (input validation, unknown procedure) and what it wrapped, in the same HTTP shapes. */
function fromTRPCError(error: TRPCError): HttpError {
  if (error.cause instanceof HttpError) return error.cause;
  const issues = (error.cause as { issues?: unknown } | undefined)?.issues;
  if (error.code === 'BAD_REQUEST' && Array.isArray(issues)) {
    return invalidRequest(toValidationIssues(issues as z.core.$ZodIssue[]));
  }
  // A handler's throw reaches us wrapped as INTERNAL_SERVER_ERROR with the original as cause.
  if (error.code === 'INTERNAL_SERVER_ERROR' && error.cause !== undefined) return toHttpError(error.cause);
  const status = Number(Object.entries(TRPC_CODE_BY_STATUS).find(([, code]) => code === error.code)?.[0] ?? 500);
  return codedError(status, error.code, status === 500 ? 'Internal server error' : error.message);
}
