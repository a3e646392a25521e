import { useSyncExternalStore } from 'react';

/*
 * A few routes, so a small history router rather than a routing library. The server answers
 * every non-API path with index.html (and the service worker does so offline), so deep links
 * and reloads work on any route.
 */
export type Route =
  | { name: 'stores' }
  | { name: 'store'; store: string }
  | { name: 'subscriptions'; store: string }
  | { name: 'stream'; store: string; streamId: string }
  | { name: 'outbox' }
  | { name: 'keys' }
  | { name: 'notFound'; path: string };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'stores')) return { name: 'stores' };
  if (parts[0] === 'outbox' && parts.length === 1) return { name: 'outbox' };
  if (parts[0] === 'keys' && parts.length === 1) return { name: 'keys' };
  if (parts[0] === 'stores' && parts.length === 2) return { name: 'store', store: parts[1]! };
  if (parts[0] === 'stores' && parts[2] === 'subscriptions' && parts.length === 3) return { name: 'subscriptions', store: parts[1]! };
  if (parts[0] === 'stores' && parts[2] === 'streams' && parts.length === 4) return { name: 'stream', store: parts[1]!, streamId: parts[3]! };
  return { name: 'notFound', path: pathname };
}

export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'stores':
      return '/stores';
    case 'store':
      return `/stores/${encodeURIComponent(route.store)}`;
    case 'subscriptions':
      return `/stores/${encodeURIComponent(route.store)}/subscriptions`;
    case 'stream':
      return `/stores/${encodeURIComponent(route.store)}/streams/${encodeURIComponent(route.streamId)}`;
    case 'outbox':
      return '/outbox';
    case 'keys':
      return '/keys';
    case 'notFound':
      return route.path;
  }
}

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
window.addEventListener('popstate', notify);

export function navigate(href: string): void {
  if (href === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', href);
  notify();
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const pathname = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => window.location.pathname,
  );
  return parseRoute(pathname);
}
