import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError, type TRPCClient } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { EventSource } from 'eventsource';
import type { AppRouter } from '@eventlane/server/router';

/*
 * The admin app talks to the server through tRPC, typed end to end by the router's type (a
 * types-only import: no server code reaches the bundle). Queries and mutations go over batched
 * HTTP; live tails over SSE. The API key travels in a header on both, never in a URL: a
 * browser's own EventSource cannot send headers, so the `eventsource` package (an EventSource
 * on `fetch`) is given to the subscription link. REST is used only for the outbox's appends
 * (the client library) and for `/readyz`, which has no procedure.
 */

export type ApiClient = TRPCClient<AppRouter>;

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

const TIMEOUT_MS = 20_000;

export function createApiClient(options: { baseUrl: string; getApiKey(): string }): ApiClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/trpc`;
  const withKey = (init: RequestInit | undefined): RequestInit => {
    const headers = new Headers(init?.headers);
    headers.set('X-API-Key', options.getApiKey());
    return { ...init, headers };
  };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: () => ({ fetch: (input, init) => globalThis.fetch(input, withKey(init)) }),
        }),
        false: httpBatchLink({
          url,
          maxURLLength: 2000,
          fetch: (input, init) => {
            const timeout = AbortSignal.timeout(TIMEOUT_MS);
            const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
            return globalThis.fetch(input, { ...withKey(init as RequestInit), signal });
          },
        }),
      }),
    ],
  });
}

/** Why a call failed, in the app's terms. */
export interface ApiFailure {
  /** `auth`: 401 (unknown or revoked key); `forbidden`: 403 (a scope is missing); `network`: no answer; `http`: any other answer. */
  kind: 'auth' | 'forbidden' | 'network' | 'http';
  message: string;
  status?: number;
  /** The REST error code (`EVENT_STORE_NOT_FOUND`), when the server gave one. */
  code?: string;
}

interface ErrorData {
  httpStatus?: number;
  error?: string;
}

/** Reads a failure of a tRPC call (or anything thrown near one). */
export function describeFailure(error: unknown): ApiFailure {
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<AppRouter>).data as ErrorData | undefined;
    const status = data?.httpStatus;
    if (status === undefined) {
      // No tRPC answer: the request failed (offline, refused, timed out) or the answer was not tRPC's.
      const cause = (error as { cause?: unknown }).cause;
      const why = cause instanceof Error ? cause.message : error.message;
      return { kind: 'network', message: `The server cannot be reached (${why})` };
    }
    const kind = status === 401 ? 'auth' : status === 403 ? 'forbidden' : 'http';
    return { kind, message: error.message, status, ...(data?.error ? { code: data.error } : {}) };
  }
  if (error instanceof Error) return { kind: 'http', message: error.message };
  return { kind: 'http', message: String(error) };
}

export const isNotFound = (error: unknown) => error !== null && error !== undefined && describeFailure(error).status === 404;
