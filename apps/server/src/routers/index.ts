import { router } from '../trpc.js';
import { apiKeysRouter } from './apiKeysRouter.js';
import { eventStoresRouter } from './eventStoresRouter.js';
import { eventsRouter } from './eventsRouter.js';
import { statsRouter } from './statsRouter.js';
import { streamsRouter } from './streamsRouter.js';
import { subscriptionsRouter } from './subscriptionsRouter.js';
import { systemRouter } from './systemRouter.js';

/** Everything the admin app and the client library read and administer, mounted at `/trpc`. */
export const appRouter = router({
  eventStores: eventStoresRouter,
  streams: streamsRouter,
  events: eventsRouter,
  stats: statsRouter,
  apiKeys: apiKeysRouter,
  subscriptions: subscriptionsRouter,
  system: systemRouter,
});

export type AppRouter = typeof appRouter;
