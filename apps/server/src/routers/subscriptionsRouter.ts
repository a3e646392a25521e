import {
  createSubscriptionInputSchema,
  listDeliveriesInputSchema,
  makeListSubscriptionsInputSchema,
  replaySubscriptionInputSchema,
  subscriptionRefSchema,
  updateSubscriptionInputSchema,
} from '@eventlane/contracts';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  replaySubscription,
  updateSubscription,
} from '../handlers/subscriptions.js';
import { adminProcedure, readProcedure, router } from '../trpc.js';

const listInput = makeListSubscriptionsInputSchema();

/** Webhook subscriptions (issue 12): the same handlers as `/api/event-stores/{name}/subscriptions`. */
export const subscriptionsRouter = router({
  list: readProcedure
    .input(listInput)
    .query(({ ctx, input }) => listSubscriptions(ctx.deps, ctx.auth, input)),
  get: readProcedure.input(subscriptionRefSchema).query(({ ctx, input }) => getSubscription(ctx.deps, ctx.auth, input)),
  create: adminProcedure.input(createSubscriptionInputSchema).mutation(({ ctx, input }) => createSubscription(ctx.deps, ctx.auth, input)),
  update: adminProcedure.input(updateSubscriptionInputSchema).mutation(({ ctx, input }) => updateSubscription(ctx.deps, ctx.auth, input)),
  replay: adminProcedure.input(replaySubscriptionInputSchema).mutation(({ ctx, input }) => replaySubscription(ctx.deps, ctx.auth, input)),
  delete: adminProcedure.input(subscriptionRefSchema).mutation(({ ctx, input }) => deleteSubscription(ctx.deps, ctx.auth, input)),
  deliveries: readProcedure.input(listDeliveriesInputSchema).query(({ ctx, input }) => listDeliveries(ctx.deps, ctx.auth, input)),
});
