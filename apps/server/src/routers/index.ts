import { router } from '../trpc';
import { apiKeysRouter } from './apiKeysRouter';
import { eventStoresRouter } from './eventStoresRouter';
import { eventsRouter } from './eventsRouter';
import { statsRouter } from './statsRouter';
import { streamsRouter } from './streamsRouter';
import { subscriptionsRouter } from './subscriptionsRouter';

/** Everything the admin app and the client library read and administer, mounted at `/trpc`. */
export const appRouter = router({
  eventStores: eventStoresRouter,
  streams: streamsRouter,
  events: eventsRouter,
  stats: statsRouter,
  apiKeys: apiKeysRouter,
  subscriptions: subscriptionsRouter,
});

export type AppRouter = typeof appRouter;
