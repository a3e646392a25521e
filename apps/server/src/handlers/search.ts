import {
  compileEventFilter,
  eventFilterOf,
  exactStreamId,
  typeList,
  type GlobalEvent,
  type SearchStoreEventsQuery,
  type SearchStoreEventsResponse,
} from '@eventlane/contracts';
import type { AuthContext } from '../http/auth.js';
import { checkPageSize, ensureEventStore, scopeOf, type HandlerDeps } from './deps.js';

/**
 * `GET /api/event-stores/{name}/events/search` · `events.search`: the explorer's filters over a
 * store's global order, as a bounded scan through the storage port.
 *
 * The type filter and an exact stream id go down to the port (both adapters index them); the
 * other filters (stream type, stream-id glob, time range, a metadata field, transaction) are
 * checked here on the pages `storage.readStore` returns. So they work the same on every backend
 * without touching an adapter's internals, and no request costs more than `scanLimit` events
 * read: the answer's `scan.nextPosition` says where to go on. A search that finds `limit`
 * matches stops there too.
 */
export async function searchStoreEvents(
  { storage, limits }: HandlerDeps,
  auth: AuthContext,
  input: SearchStoreEventsQuery & { eventStoreName: string },
): Promise<SearchStoreEventsResponse> {
  checkPageSize(limits, input);
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const headPosition = await storage.headGlobalPosition(scope);
  const matches = compileEventFilter(eventFilterOf(input));
  const newestFirst = input.sortDirection === 'desc';
  const types = typeList(input.type);
  const streamId = exactStreamId(input.streamIdPattern);
  const pageSize = Math.max(1, limits.maxPageSize);

  const events: GlobalEvent[] = [];
  let examined = 0;
  let next: number | null = input.position ?? (newestFirst ? headPosition : 0);
  if (newestFirst && next > headPosition) next = headPosition;
  while (next !== null && examined < input.scanLimit && events.length < input.limit) {
    if (next < 0) {
      next = null;
      break;
    }
    const page = await storage.readStore(scope, {
      streamId,
      types,
      limit: Math.min(pageSize, input.scanLimit - examined),
      sortDirection: input.sortDirection,
      ...(newestFirst ? { toPosition: next } : { fromPosition: next }),
    });
    let consumed = 0;
    for (const event of page.events) {
      consumed++;
      examined++;
      next = newestFirst ? event.globalPosition - 1 : event.globalPosition + 1;
      if (matches(event)) {
        events.push(event);
        if (events.length >= input.limit) break;
      }
    }
    if (consumed === page.events.length && !page.hasMore) next = null;
  }
  if (next !== null && next < 0) next = null;
  return { events, scan: { examined, nextPosition: next, headPosition } };
}
