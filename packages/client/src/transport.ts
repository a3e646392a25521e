import type { AppendRequest, AppendResponse, StoredEvent, ValidationIssue } from '@eventlane/contracts';

/** The outcome of one append request, classified by HTTP status code only (never by message text). */
export type AppendResult =
  | { kind: 'ok'; response: AppendResponse }
  | { kind: 'version_conflict'; status: 409; currentVersion: number }
  | { kind: 'duplicate_event_id'; status: 409; eventIds: string[] }
  | { kind: 'invalid'; status: 400; details: ValidationIssue[] }
  | { kind: 'unauthorized'; status: 401 | 403 }
  | { kind: 'too_large'; status: 413 }
  /** 429, 5xx, anything unexpected, or no response at all (`status` absent). */
  | { kind: 'retry'; status?: number; retryAfterMs: number | null; message: string };

/** Sends appends. The HTTP implementation is `createHttpTransport`. */
export interface AppendTransport {
  append(store: string, streamId: string, request: AppendRequest): Promise<AppendResult>;
}

export interface StreamPage {
  events: StoredEvent[];
  hasMore: boolean;
}

/** Why a read failed: `auth` for 401/403, `network` with no response, `http` otherwise. */
export class ReadError extends Error {
  constructor(
    readonly kind: 'auth' | 'network' | 'http',
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReadError';
  }
}

/**
 * Reads, kept behind this small interface so that another implementation can stand in (tests, an
 * app's own cache) without touching the sync engine or the cache. Throws `ReadError`.
 */
export interface ReadTransport {
  /** Events of one stream from `fromPosition` (inclusive, stream position), ascending, at most `limit`. A missing stream or store reads as empty. */
  readStreamEvents(store: string, streamId: string, page: { fromPosition: number; limit: number }): Promise<StreamPage>;
}

/** Every event of a stream from `fromPosition` on, page by page. */
export async function readAllStreamEvents(
  reader: ReadTransport,
  store: string,
  streamId: string,
  fromPosition = 0,
  pageSize = 1000,
): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let position = fromPosition;
  for (;;) {
    const page = await reader.readStreamEvents(store, streamId, { fromPosition: position, limit: pageSize });
    events.push(...page.events);
    const last = page.events[page.events.length - 1];
    if (!page.hasMore || !last) return events;
    position = last.streamPosition + 1;
  }
}
