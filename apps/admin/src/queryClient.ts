import { QueryCache, QueryClient } from '@tanstack/react-query';
import { createSyncStoragePersister } from '@tanstack/query-sync-storage-persister';
import { describeFailure } from './api/trpc';
import { reportKeyRefused } from './keyRefused';
import { QUERY_CACHE_KEY, loadSession } from './session';

/** Lists and statistics: shown from the persisted cache at once (also offline), refreshed when the server answers. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        if (describeFailure(error).kind === 'auth') reportKeyRefused();
      },
    }),
    defaultOptions: {
      queries: {
        networkMode: 'offlineFirst',
        gcTime: 24 * 60 * 60 * 1000,
        staleTime: 5_000,
        // A screen shows what was cached at once and always asks the server again when it opens.
        refetchOnMount: 'always',
        retry: (count, error) => {
          const failure = describeFailure(error);
          return !(failure.kind === 'auth' || failure.kind === 'forbidden' || failure.status === 404 || failure.status === 400) && count < 2;
        },
      },
      mutations: { networkMode: 'always' },
    },
  });
}

/**
 * Writes are throttled, so one may come after sign-out has cleared the cache; with no session it
 * is dropped, so nothing of the signed-out operator is left in the browser.
 */
const sessionStorageGuard = {
  getItem: (key: string) => window.localStorage.getItem(key),
  setItem: (key: string, value: string) => {
    if (loadSession()) window.localStorage.setItem(key, value);
  },
  removeItem: (key: string) => window.localStorage.removeItem(key),
};

export const queryPersister = createSyncStoragePersister({ storage: sessionStorageGuard, key: QUERY_CACHE_KEY, throttleTime: 500 });
