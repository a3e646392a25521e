import {
  appendResponseSchema,
  duplicateEventIdErrorSchema,
  eventsPageResponseSchema,
  invalidRequestErrorSchema,
  versionConflictErrorSchema,
  type AppendRequest,
} from '@eventlane/contracts';
import { parseRetryAfter } from './backoff.js';
import { ReadError, type AppendResult, type AppendTransport, type ReadTransport, type StreamPage } from './transport.js';
import type { Clock } from './types.js';

export interface HttpTransportOptions {
  baseUrl: string;
  getApiKey(): string;
  fetch?: typeof fetch;
  clock?: Pick<Clock, 'now'>;
  /** A request with no answer after this long counts as a network error (and is retried). */
  timeoutMs?: number;
}

function streamPath(store: string, streamId: string): string {
  return `/api/event-stores/${encodeURIComponent(store)}/streams/${encodeURIComponent(streamId)}`;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

/** The REST append endpoint and stream reads over `fetch`. */
export function createHttpTransport(options: HttpTransportOptions): AppendTransport & ReadTransport {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = () => (options.clock ?? Date).now();
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function request(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('X-API-Key', options.getApiKey());
    headers.set('Accept', 'application/json');
    return doFetch(`${baseUrl}${path}`, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
  }

  return {
    async append(store: string, streamId: string, body: AppendRequest): Promise<AppendResult> {
      let response: Response;
      try {
        response = await request(streamPath(store, streamId), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      } catch (error) {
        return { kind: 'retry', retryAfterMs: null, message: `Network error: ${(error as Error)?.message ?? String(error)}` };
      }
      const json = await readJson(response);
      const status = response.status;
      if (status === 200) {
        const parsed = appendResponseSchema.safeParse(json);
        // A 200 without the documented body: resending is safe (idempotent replay) and will tell.
        if (parsed.success) return { kind: 'ok', response: parsed.data };
        return { kind: 'retry', status, retryAfterMs: null, message: 'Unexpected 200 response body' };
      }
      if (status === 400) {
        const parsed = invalidRequestErrorSchema.safeParse(json);
        return { kind: 'invalid', status, details: parsed.success ? parsed.data.details : [] };
      }
      if (status === 401 || status === 403) return { kind: 'unauthorized', status };
      if (status === 409) {
        // The two 409 bodies differ in shape (`currentVersion` vs `eventIds`); the shape decides, not the words.
        const conflict = versionConflictErrorSchema.safeParse(json);
        if (conflict.success) return { kind: 'version_conflict', status, currentVersion: conflict.data.currentVersion };
        const duplicate = duplicateEventIdErrorSchema.safeParse(json);
        // An unreadable 409 is reconciled like a duplicate: reading the stream tells what is stored.
        return { kind: 'duplicate_event_id', status, eventIds: duplicate.success ? duplicate.data.eventIds : [] };
      }
      if (status === 413) return { kind: 'too_large', status };
      return {
        kind: 'retry',
        status,
        retryAfterMs: parseRetryAfter(response.headers.get('Retry-After'), now()),
        message: `HTTP ${status}`,
      };
    },

    async readStreamEvents(store, streamId, page): Promise<StreamPage> {
      const query = new URLSearchParams({ fromPosition: String(page.fromPosition), limit: String(page.limit), sortDirection: 'asc' });
      let response: Response;
      try {
        response = await request(`${streamPath(store, streamId)}/events?${query}`, { method: 'GET' });
      } catch (error) {
        throw new ReadError('network', `Network error: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
      }
      // A store that does not exist (or belongs to another organization) holds no streams.
      if (response.status === 404) return { events: [], hasMore: false };
      if (response.status === 401 || response.status === 403) throw new ReadError('auth', `HTTP ${response.status}`, response.status);
      if (response.status !== 200) throw new ReadError('http', `HTTP ${response.status}`, response.status);
      const parsed = eventsPageResponseSchema.safeParse(await readJson(response));
      if (!parsed.success) throw new ReadError('http', 'Unexpected response body', response.status);
      return { events: parsed.data.events, hasMore: parsed.data.pagination.hasMore };
    },
  };
}
