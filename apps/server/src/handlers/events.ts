import {
  WHOLE_STREAM_READ_LIMIT,
  typeList,
  type EventsPageResponse,
  type GlobalEventsPageResponse,
  type SortDirection,
  type StreamResponse,
} from '@eventlane/contracts';
import type { AuthContext } from '../http/auth.js';
import { codedError } from '../http/errors.js';
import { checkPageSize, ensureEventStore, scopeOf, type HandlerDeps } from './deps.js';

export interface EventReadInput {
  eventStoreName: string;
  type?: string | string[];
  fromPosition?: number;
  toPosition?: number;
  limit: number;
  offset: number;
  sortDirection: SortDirection;
  includeCount: boolean;
}

/** `GET /api/event-stores/{name}/streams/{streamId}` · `streams.read`: the whole stream, up to 1000 events. */
export async function readWholeStream(
  { storage }: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string; streamId: string },
): Promise<StreamResponse> {
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const page = await storage.readStream(scope, input.streamId, { limit: WHOLE_STREAM_READ_LIMIT });
  if (page.hasMore) {
    throw codedError(
      400,
      'STREAM_TOO_LARGE',
      `Stream has more than ${WHOLE_STREAM_READ_LIMIT} events (version ${page.currentStreamVersion}); read it in pages with ` +
        `GET /api/event-stores/${input.eventStoreName}/streams/${encodeURIComponent(input.streamId)}/events`,
    );
  }
  return { events: page.events, currentStreamVersion: page.currentStreamVersion };
}

/** `GET /api/event-stores/{name}/streams/{streamId}/events` · `streams.events`: stream positions, inclusive. */
export async function readStreamEvents(
  { storage, limits }: HandlerDeps,
  auth: AuthContext,
  input: EventReadInput & { streamId: string },
): Promise<EventsPageResponse> {
  checkPageSize(limits, input);
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const page = await storage.readStream(scope, input.streamId, pageOptions(input));
  return { events: page.events, pagination: pagination(input, page) };
}

/** `GET /api/event-stores/{name}/events` · `events.list`: global positions, inclusive, in commit order. */
export async function readStoreEvents(
  { storage, limits }: HandlerDeps,
  auth: AuthContext,
  input: EventReadInput & { streamId?: string },
): Promise<GlobalEventsPageResponse> {
  checkPageSize(limits, input);
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const page = await storage.readStore(scope, { streamId: input.streamId, ...pageOptions(input) });
  return { events: page.events, pagination: pagination(input, page) };
}

/** The page, range and type filter of a read, as the storage port takes them. */
function pageOptions(input: EventReadInput) {
  return {
    types: typeList(input.type),
    fromPosition: input.fromPosition,
    toPosition: input.toPosition,
    limit: input.limit,
    offset: input.offset,
    sortDirection: input.sortDirection,
    includeCount: input.includeCount,
  };
}

export function pagination(
  input: { limit: number; offset: number },
  page: { total?: number; hasMore: boolean },
): EventsPageResponse['pagination'] {
  return {
    limit: input.limit,
    offset: input.offset,
    ...(page.total !== undefined ? { total: page.total } : {}),
    hasMore: page.hasMore,
  };
}
