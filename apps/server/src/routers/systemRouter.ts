import { readProcedure, router } from '../trpc.js';

/** This server instance: version, storage, uptime and a few metrics (the admin app's health page). */
export const systemRouter = router({
  info: readProcedure.query(({ ctx }) => ctx.systemInfo()),
});
