import { z } from 'zod';
import { eventStoreNameSchema, eventsPerMinuteInputSchema } from '@eventlane/contracts';
import { eventCountsByType, eventsPerMinute } from '../handlers/stats.js';
import { readProcedure, router } from '../trpc.js';

/** Numbers for the admin app's charts. */
export const statsRouter = router({
  eventCountsByType: readProcedure
    .input(z.strictObject({ eventStoreName: eventStoreNameSchema }))
    .query(({ ctx, input }) => eventCountsByType(ctx.deps, ctx.auth, input)),
  eventsPerMinute: readProcedure
    .input(eventsPerMinuteInputSchema)
    .query(({ ctx, input }) => eventsPerMinute(ctx.deps, ctx.auth, input)),
});
