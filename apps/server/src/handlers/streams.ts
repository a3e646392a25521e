import type { SortDirection, StreamsPageResponse } from '@eventlane/contracts';
import type { AuthContext } from '../http/auth.js';
import { checkPageSize, ensureEventStore, scopeOf, type HandlerDeps } from './deps.js';
import { pagination } from './events.js';

export interface ListStreamsInput {
  eventStoreName: string;
  streamType?: string;
  streamIdPattern?: string;
  limit: number;
  offset: number;
  sortBy: 'streamId' | 'createdAt' | 'updatedAt';
  sortDirection: SortDirection;
  includeCount: boolean;
}

/** `GET /api/event-stores/{name}/streams` and `.../stream-types/{streamType}/streams` · `streams.list` */
export async function listStreams({ storage, limits }: HandlerDeps, auth: AuthContext, input: ListStreamsInput): Promise<StreamsPageResponse> {
  checkPageSize(limits, input);
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const page = await storage.listStreams(scope, {
    streamType: input.streamType,
    streamIdPattern: input.streamIdPattern,
    limit: input.limit,
    offset: input.offset,
    sortBy: input.sortBy,
    sortDirection: input.sortDirection,
    includeCount: input.includeCount,
  });
  return { streams: page.streams, pagination: pagination(input, page) };
}
