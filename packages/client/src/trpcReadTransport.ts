import { eventsPageResponseSchema } from '@eventlane/contracts';
import type { AppRouter } from '@eventlane/server';
import { ReadError, type ReadTransport, type StreamPage } from './transport.js';

/** The input of `streams.events`, checked against the server's router type (a type-only import). */
type StreamEventsInput = AppRouter['streams']['events']['_def']['$types']['input'];

export interface TrpcReadTransportOptions {
  baseUrl: string;
  getApiKey(): string;
  fetch?: typeof fetch;
  /** Where the router is mounted (default `/trpc`). */
  prefix?: string;
  timeoutMs?: number;
}

/**
 * Stream reads through the server's tRPC read router (`streams.events`), spoken over `fetch` in
 * tRPC's HTTP format (a non-batched GET with `?input=`, the answer in `result.data`), so the core
 * needs no tRPC runtime. Answers are checked with the contracts' schema like the REST ones.
 */
export function createTrpcReadTransport(options: TrpcReadTransportOptions): ReadTransport {
  const base = `${options.baseUrl.replace(/\/+$/, '')}${options.prefix ?? '/trpc'}`;
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 30_000;

  return {
    async readStreamEvents(store, streamId, page): Promise<StreamPage> {
      const input: StreamEventsInput = { eventStoreName: store, streamId, fromPosition: page.fromPosition, limit: page.limit, sortDirection: 'asc' };
      let response: Response;
      try {
        response = await doFetch(`${base}/streams.events?input=${encodeURIComponent(JSON.stringify(input))}`, {
          method: 'GET',
          headers: { 'X-API-Key': options.getApiKey(), Accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new ReadError('network', `Network error: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
      }
      // tRPC answers with the HTTP status of its error code, so the status decides here too.
      if (response.status === 404) return { events: [], hasMore: false };
      if (response.status === 401 || response.status === 403) throw new ReadError('auth', `HTTP ${response.status}`, response.status);
      if (response.status !== 200) throw new ReadError('http', `HTTP ${response.status}`, response.status);
      const body = (await response.json().catch(() => undefined)) as { result?: { data?: unknown } } | undefined;
      const parsed = eventsPageResponseSchema.safeParse(body?.result?.data);
      if (!parsed.success) throw new ReadError('http', 'Unexpected response body', response.status);
      return { events: parsed.data.events, hasMore: parsed.data.pagination.hasMore };
    },
  };
}
