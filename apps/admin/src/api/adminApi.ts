import {
  apiKeyInfoSchema,
  createdApiKeySchema,
  eventCountsByTypeResponseSchema,
  eventStoreCreatedResponseSchema,
  eventStoreDetailsResponseSchema,
  eventStoresPageResponseSchema,
  eventsPageResponseSchema,
  eventsPerMinuteResponseSchema,
  streamsPageResponseSchema,
  type ApiKeyScope,
} from '@eventlane/contracts';
import { z } from 'zod';

/*
 * The reads and administration the admin app needs beyond the client library (which covers
 * appends, the outbox and stream reads): store and stream lists, statistics and API keys. The
 * client library has no API for these yet, so this is the smallest adapter over the REST routes
 * and the tRPC procedures' plain HTTP form (`GET /trpc/<path>?input=`, `POST` for mutations),
 * validated with the shared contracts. It imports no server code.
 */

/** Why a call failed: `auth` (401, the key is unknown or revoked), `forbidden` (403, a scope is missing), `network`, or `http`. */
export class ApiError extends Error {
  constructor(
    readonly kind: 'auth' | 'forbidden' | 'network' | 'http',
    message: string,
    readonly status?: number,
    readonly code?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface AdminApi {
  listStores(page: { limit: number; offset: number }): Promise<z.infer<typeof eventStoresPageResponseSchema>>;
  getStore(name: string): Promise<z.infer<typeof eventStoreDetailsResponseSchema>>;
  createStore(input: { name: string; description?: string }): Promise<z.infer<typeof eventStoreCreatedResponseSchema>>;
  listStreams(store: string, query: StreamQuery): Promise<z.infer<typeof streamsPageResponseSchema>>;
  readStoreEvents(store: string, query: { limit: number; sortDirection: 'asc' | 'desc' }): Promise<z.infer<typeof eventsPageResponseSchema>>;
  eventCountsByType(store: string): Promise<z.infer<typeof eventCountsByTypeResponseSchema>>;
  eventsPerMinute(store: string, windowMinutes: number): Promise<z.infer<typeof eventsPerMinuteResponseSchema>>;
  listApiKeys(): Promise<{ apiKeys: z.infer<typeof apiKeyInfoSchema>[] }>;
  createApiKey(input: { name?: string; scopes: ApiKeyScope[] }): Promise<z.infer<typeof createdApiKeySchema>>;
  revokeApiKey(keyId: string): Promise<z.infer<typeof apiKeyInfoSchema>>;
  /**
   * Follows the `streams.tail` subscription (server-sent events) and calls `onEvent` for each new
   * event's stream position; resolves when the server ends the stream, rejects on failure. Read
   * with `fetch` because an `EventSource` cannot send the key in a header (and it never goes in a URL).
   */
  tailStream(store: string, streamId: string, fromPosition: number, onEvent: (streamPosition: number) => void, signal: AbortSignal): Promise<void>;
  /** Any route with the key, its answer validated by `schema`: for a screen's own small data module (subscriptionsApi.ts). */
  request<T extends z.ZodType>(path: string, schema: T, init?: RequestInit): Promise<z.infer<T>>;
}

export interface StreamQuery {
  streamType?: string;
  idPrefix?: string;
  limit: number;
  offset: number;
  sortBy: 'streamId' | 'createdAt' | 'updatedAt';
  sortDirection: 'asc' | 'desc';
}

const trpcResult = <T extends z.ZodType>(data: T) => z.object({ result: z.object({ data }) });
const trpcError = z.object({
  error: z.object({ message: z.string(), data: z.object({ httpStatus: z.number().optional(), error: z.string().optional() }).loose().optional() }).loose(),
});
const restError = z.object({ error: z.string(), message: z.string().optional(), details: z.unknown().optional() }).loose();

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function createAdminApi(options: { baseUrl: string; getApiKey(): string; fetch?: typeof fetch }): AdminApi {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function call<T extends z.ZodType>(path: string, schema: T, init: RequestInit = {}): Promise<z.infer<T>> {
    const headers = new Headers(init.headers);
    headers.set('X-API-Key', options.getApiKey());
    headers.set('Accept', 'application/json');
    if (init.body !== undefined) headers.set('Content-Type', 'application/json');
    let response: Response;
    try {
      response = await doFetch(`${baseUrl}${path}`, { ...init, headers, signal: AbortSignal.timeout(20_000) });
    } catch (error) {
      throw new ApiError('network', `The server cannot be reached (${(error as Error)?.message ?? String(error)})`);
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      json = undefined;
    }
    if (response.ok) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new ApiError('http', 'The server answered with an unexpected body', response.status);
      return parsed.data;
    }
    const rest = restError.safeParse(json);
    const trpc = trpcError.safeParse(json);
    const code = rest.success ? rest.data.error : trpc.success ? trpc.data.error.data?.error : undefined;
    const message = rest.success ? (rest.data.message ?? rest.data.error) : trpc.success ? trpc.data.error.message : `HTTP ${response.status}`;
    const kind = response.status === 401 ? 'auth' : response.status === 403 ? 'forbidden' : 'http';
    throw new ApiError(kind, message, response.status, code, rest.success ? rest.data.details : undefined);
  }

  const store = (name: string) => `/api/event-stores/${encodeURIComponent(name)}`;
  const trpcQuery = <T extends z.ZodType>(procedure: string, input: unknown, schema: T) =>
    call(`/trpc/${procedure}${input === undefined ? '' : query({ input: JSON.stringify(input) })}`, trpcResult(schema)).then((r) => (r as { result: { data: z.infer<T> } }).result.data);
  const trpcMutation = <T extends z.ZodType>(procedure: string, input: unknown, schema: T) =>
    call(`/trpc/${procedure}`, trpcResult(schema), { method: 'POST', body: JSON.stringify(input) }).then((r) => (r as { result: { data: z.infer<T> } }).result.data);

  return {
    request: call,
    listStores: (page) => call(`/api/event-stores${query(page)}`, eventStoresPageResponseSchema),
    getStore: (name) => call(store(name), eventStoreDetailsResponseSchema),
    createStore: (input) => call('/api/event-stores', eventStoreCreatedResponseSchema, { method: 'POST', body: JSON.stringify(input) }),
    listStreams: (name, q) =>
      call(
        `${store(name)}/streams${query({
          streamType: q.streamType,
          // The id filter is a prefix; the route takes a glob.
          streamIdPattern: q.idPrefix ? `${q.idPrefix}*` : undefined,
          limit: q.limit,
          offset: q.offset,
          sortBy: q.sortBy,
          sortDirection: q.sortDirection,
          includeCount: 'true',
        })}`,
        streamsPageResponseSchema,
      ),
    readStoreEvents: (name, q) => call(`${store(name)}/events${query(q)}`, eventsPageResponseSchema),
    eventCountsByType: (name) => trpcQuery('stats.eventCountsByType', { eventStoreName: name }, eventCountsByTypeResponseSchema),
    eventsPerMinute: (name, windowMinutes) => trpcQuery('stats.eventsPerMinute', { eventStoreName: name, windowMinutes }, eventsPerMinuteResponseSchema),
    listApiKeys: () => trpcQuery('apiKeys.list', undefined, z.object({ apiKeys: z.array(apiKeyInfoSchema) })),
    createApiKey: (input) => trpcMutation('apiKeys.create', input, createdApiKeySchema),
    revokeApiKey: (keyId) => trpcMutation('apiKeys.revoke', { keyId }, apiKeyInfoSchema),

    async tailStream(name, streamId, fromPosition, onEvent, signal) {
      const input = JSON.stringify({ eventStoreName: name, streamId, fromPosition });
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}/trpc/streams.tail${query({ input })}`, {
          headers: { 'X-API-Key': options.getApiKey(), Accept: 'text/event-stream' },
          signal,
        });
      } catch (error) {
        throw new ApiError('network', `The live tail cannot connect (${(error as Error)?.message ?? String(error)})`);
      }
      if (!response.ok || !response.body) {
        throw new ApiError(response.status === 401 ? 'auth' : response.status === 403 ? 'forbidden' : 'http', `The live tail was refused (HTTP ${response.status})`, response.status);
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          // Events carry `id: <stream position>`; pings and the connection notice have none.
          const id = /^id: ?(\d+)$/m.exec(block);
          if (id && /^data:/m.test(block)) onEvent(Number(id[1]));
          if (/^event: ?serialized-error$/m.test(block)) throw new ApiError('http', 'The live tail ended with an error');
        }
      }
    },
  };
}
