import { tracked } from '@trpc/server';
import { eventStoreNameSchema, makeReadStoreEventsQuerySchema, makeSearchStoreEventsInputSchema, storeTailInputSchema } from '@eventlane/contracts';
import { ensureEventStore, scopeOf } from '../handlers/deps.js';
import { readStoreEvents } from '../handlers/events.js';
import { searchStoreEvents } from '../handlers/search.js';
import { mappingErrors, readProcedure, router } from '../trpc.js';

/** A store's events in global order: pages, and a live tail. */
export const eventsRouter = router({
  list: readProcedure
    .input(makeReadStoreEventsQuerySchema().extend({ eventStoreName: eventStoreNameSchema }))
    .query(({ ctx, input }) => readStoreEvents(ctx.deps, ctx.auth, input)),
  /** The explorer: filters over the global order as a bounded scan (see handlers/search.ts). */
  search: readProcedure.input(makeSearchStoreEventsInputSchema()).query(({ ctx, input }) => searchStoreEvents(ctx.deps, ctx.auth, input)),
  /**
   * A store's new events in global order (SSE), from `fromPosition` or from now. Each is tracked
   * by its global position, so a reconnecting client resumes right after the last one it got.
   */
  tail: readProcedure.input(storeTailInputSchema).subscription(({ ctx, input, signal }) =>
    mappingErrors(
      (async function* () {
        const scope = scopeOf(ctx.auth, input.eventStoreName);
        await ensureEventStore(ctx.deps.storage, scope);
        for await (const event of ctx.live.tailStore(scope, input, signal)) {
          yield tracked(String(event.globalPosition), event);
        }
      })(),
    ),
  ),
});
