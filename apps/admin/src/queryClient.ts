import { QueryCache, QueryClient } from '@tanstack/react-query';
import { createSyncStoragePersister } from '@tanstack/query-sync-storage-persister';
import { ApiError } from './api/adminApi';
import { reportKeyRefused } from './keyRefused';
import { QUERY_CACHE_KEY } from './session';

/** Lists and statistics: shown from the persisted cache at once (also offline), refreshed when the server answers. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError: (error) => {
        if (error instanceof ApiError && error.kind === 'auth') reportKeyRefused();
      },
    }),
    defaultOptions: {
      queries: {
        networkMode: 'offlineFirst',
        gcTime: 24 * 60 * 60 * 1000,
        staleTime: 5_000,
        // A screen shows what was cached at once and always asks the server again when it opens.
        refetchOnMount: 'always',
        retry: (count, error) => !(error instanceof ApiError && (error.kind === 'auth' || error.kind === 'forbidden' || error.status === 404 || error.status === 400)) && count < 2,
      },
      mutations: { networkMode: 'always' },
    },
  });
}

export const queryPersister = createSyncStoragePersister({ storage: window.localStorage, key: QUERY_CACHE_KEY, throttleTime: 500 });
