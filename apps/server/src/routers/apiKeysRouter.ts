import { createApiKeyInputSchema, revokeApiKeyInputSchema } from '@eventlane/contracts';
import { createApiKey, listApiKeys, revokeApiKey } from '../handlers/apiKeys.js';
import { adminProcedure, router } from '../trpc.js';

/** API keys of the caller's organization (admin scope). */
export const apiKeysRouter = router({
  list: adminProcedure.query(({ ctx }) => listApiKeys(ctx.deps, ctx.auth)),
  create: adminProcedure.input(createApiKeyInputSchema).mutation(({ ctx, input }) => createApiKey(ctx.deps, ctx.auth, input)),
  revoke: adminProcedure.input(revokeApiKeyInputSchema).mutation(({ ctx, input }) => revokeApiKey(ctx.deps, ctx.auth, input)),
});
