import {
  WHOLE_STREAM_READ_LIMIT,
  typeList,
  type EventsPageResponse,
  type GlobalEventsPageResponse,
  type SortDirection,
  type StreamResponse,
} from '@eventlane/contracts';
import type { EventsPage, ReadStoreOptions, ReadStreamOptions, Scope } from '@eventlane/store';
import type { AuthContext } from '../http/auth.js';
import { codedError } from '../http/errors.js';
import { checkPageSize, ensureEventStore, scopeOf, type HandlerDeps } from './deps.js';
import { eventsJson } from './eventsJson.js';

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

type WholeStreamInput = { eventStoreName: string; streamId: string };
type StreamReadInput = EventReadInput & { streamId: string };
type StoreReadInput = EventReadInput & { streamId?: string };

/** The reads a handler takes its events from: the port's (parsed) or `storage.jsonText` (stored JSON text). */
type Reads<S, G> = {
  readStream(scope: Scope, streamId: string, options: ReadStreamOptions): Promise<EventsPage<S> & { currentStreamVersion: number }>;
  readStore(scope: Scope, options: ReadStoreOptions): Promise<EventsPage<G>>;
};

/** `GET /api/event-stores/{name}/streams/{streamId}` · `streams.read`: the whole stream, up to 1000 events. */
export function readWholeStream(deps: HandlerDeps, auth: AuthContext, input: WholeStreamInput): Promise<StreamResponse> {
  return wholeStream(deps.storage, deps, auth, input);
}

/** `GET /api/event-stores/{name}/streams/{streamId}/events` · `streams.events`: stream positions, inclusive. */
export function readStreamEvents(deps: HandlerDeps, auth: AuthContext, input: StreamReadInput): Promise<EventsPageResponse> {
  return streamEvents(deps.storage, deps, auth, input);
}

/** `GET /api/event-stores/{name}/events` · `events.list`: global positions, inclusive, in commit order. */
export function readStoreEvents(deps: HandlerDeps, auth: AuthContext, input: StoreReadInput): Promise<GlobalEventsPageResponse> {
  return storeEvents(deps.storage, deps, auth, input);
}

/*
 * The same three answers as JSON text for the REST routes: each event's stored data and metadata
 * are spliced in, never parsed and serialised again (issue 15). Same shape, same errors; null when
 * the storage has no JSON-text reads (both adapters have them today), and the route answers with the
 * parsed handler.
 */

export async function readWholeStreamJson(deps: HandlerDeps, auth: AuthContext, input: WholeStreamInput): Promise<string | null> {
  if (!deps.storage.jsonText) return null;
  const { events, currentStreamVersion } = await wholeStream(deps.storage.jsonText, deps, auth, input);
  return `{"events":${eventsJson(events)},"currentStreamVersion":${currentStreamVersion}}`;
}

export async function readStreamEventsJson(deps: HandlerDeps, auth: AuthContext, input: StreamReadInput): Promise<string | null> {
  if (!deps.storage.jsonText) return null;
  const { events, pagination } = await streamEvents(deps.storage.jsonText, deps, auth, input);
  return `{"events":${eventsJson(events)},"pagination":${JSON.stringify(pagination)}}`;
}

export async function readStoreEventsJson(deps: HandlerDeps, auth: AuthContext, input: StoreReadInput): Promise<string | null> {
  if (!deps.storage.jsonText) return null;
  const { events, pagination } = await storeEvents(deps.storage.jsonText, deps, auth, input);
  return `{"events":${eventsJson(events)},"pagination":${JSON.stringify(pagination)}}`;
}

async function wholeStream<S>(reads: Reads<S, unknown>, { storage }: HandlerDeps, auth: AuthContext, input: WholeStreamInput) {
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const page = await reads.readStream(scope, input.streamId, { limit: WHOLE_STREAM_READ_LIMIT });
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

async function streamEvents<S>(reads: Reads<S, unknown>, { storage, limits }: HandlerDeps, auth: AuthContext, input: StreamReadInput) {
  checkPageSize(limits, input);
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const page = await reads.readStream(scope, input.streamId, pageOptions(input));
  return { events: page.events, pagination: pagination(input, page) };
}

async function storeEvents<G>(reads: Reads<unknown, G>, { storage, limits }: HandlerDeps, auth: AuthContext, input: StoreReadInput) {
  checkPageSize(limits, input);
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const page = await reads.readStore(scope, { streamId: input.streamId, ...pageOptions(input) });
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
