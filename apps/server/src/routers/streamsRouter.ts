import { tracked } from '@trpc/server';
import { z } from 'zod';
import {
  eventStoreNameSchema,
  makeListStreamsQuerySchema,
  makeReadStreamEventsQuerySchema,
  streamIdSchema,
  streamTailInputSchema,
} from '@eventlane/contracts';
import { ensureEventStore, scopeOf } from '../handlers/deps.js';
import { readStreamEvents, readWholeStream } from '../handlers/events.js';
import { listStreams } from '../handlers/streams.js';
import { mappingErrors, readProcedure, router } from '../trpc.js';

const streamRef = { eventStoreName: eventStoreNameSchema, streamId: streamIdSchema };

/** Streams: list, read whole or in pages, and tail live. */
export const streamsRouter = router({
  list: readProcedure
    .input(makeListStreamsQuerySchema().extend({ eventStoreName: eventStoreNameSchema }))
    .query(({ ctx, input }) => listStreams(ctx.deps, ctx.auth, input)),
  read: readProcedure.input(z.strictObject(streamRef)).query(({ ctx, input }) => readWholeStream(ctx.deps, ctx.auth, input)),
  events: readProcedure
    .input(makeReadStreamEventsQuerySchema().extend(streamRef))
    .query(({ ctx, input }) => readStreamEvents(ctx.deps, ctx.auth, input)),
  /**
   * New events of one stream as they are appended (SSE). Each is tracked by its stream position,
   * so a reconnecting client resumes right after the last one it got.
   */
  tail: readProcedure.input(streamTailInputSchema).subscription(({ ctx, input, signal }) =>
    mappingErrors(
      (async function* () {
        const scope = scopeOf(ctx.auth, input.eventStoreName);
        await ensureEventStore(ctx.deps.storage, scope);
        for await (const event of ctx.live.tailStream(scope, input.streamId, input, signal)) {
          yield tracked(String(event.streamPosition), event);
        }
      })(),
    ),
  ),
});
