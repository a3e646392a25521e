import { z } from 'zod';
import {
  DEFAULT_LIMITS,
  createEventStoreRequestSchema,
  eventStoreParamsSchema,
  makeListEventStoresQuerySchema,
} from '@eventlane/contracts';
import { createEventStore, deleteEventStore, getEventStore, listEventStores } from '../handlers/eventStores.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

// The store's name: the same object as the REST routes' path parameters.
const byName = eventStoreParamsSchema;

/** Store administration: the same handlers as `/api/event-stores`. */
export const eventStoresRouter = router({
  list: readProcedure
    .input(makeListEventStoresQuerySchema().optional().default({ limit: DEFAULT_LIMITS.defaultPageSize, offset: 0 }))
    .query(({ ctx, input }) => listEventStores(ctx.deps, ctx.auth, input)),
  get: readProcedure.input(byName).query(({ ctx, input }) => getEventStore(ctx.deps, ctx.auth, input)),
  create: adminProcedure
    .input(createEventStoreRequestSchema)
    .mutation(({ ctx, input }) => createEventStore(ctx.deps, ctx.auth, input)),
  /** `confirm: true` is required, as `?confirm=true` is on the REST route. */
  delete: adminProcedure
    .input(byName.extend({ confirm: z.boolean().optional() }))
    .mutation(({ ctx, input }) => deleteEventStore(ctx.deps, ctx.auth, input)),
});
