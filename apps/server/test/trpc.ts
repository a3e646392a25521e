import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../src/exports';

/**
 * A tRPC client the way a Node service (or the client library) builds one: queries over batched
 * HTTP, subscriptions over SSE. The key travels in a header on both; `eventsource`'s `fetch`
 * option is what lets an EventSource send it, since the key must never be in the URL.
 */
export function trpcClient(baseUrl: string, key: string) {
  const url = `${baseUrl}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, 'x-api-key': key } }),
          },
        }),
        false: httpBatchLink({ url, headers: { 'x-api-key': key } }),
      }),
    ],
  });
}
