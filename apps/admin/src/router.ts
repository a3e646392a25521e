import { useSyncExternalStore } from 'react';

/*
 * A few routes, so a small history router rather than a routing library. The server answers
 * every non-API path with index.html (and the service worker does so offline), so deep links
 * and reloads work on any route. Screens that keep state in the URL (the explorer's filters)
 * read the query string with `useSearchParams` and write it with `replaceSearch`.
 */
export type Route =
  | { name: 'stores' }
  | { name: 'store'; store: string }
  | { name: 'subscriptions'; store: string }
  | { name: 'stream'; store: string; streamId: string; at?: number }
  | { name: 'outbox' }
  | { name: 'keys' }
  // Console v2 (issue 13): the store-wide explorer and the health page.
  | { name: 'events'; store: string; search?: string }
  | { name: 'health' }
  | { name: 'notFound'; path: string };

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'stores')) return { name: 'stores' };
  if (parts[0] === 'outbox' && parts.length === 1) return { name: 'outbox' };
  if (parts[0] === 'keys' && parts.length === 1) return { name: 'keys' };
  if (parts[0] === 'health' && parts.length === 1) return { name: 'health' };
  if (parts[0] === 'stores' && parts.length === 2) return { name: 'store', store: parts[1]! };
  if (parts[0] === 'stores' && parts[2] === 'subscriptions' && parts.length === 3) return { name: 'subscriptions', store: parts[1]! };
  if (parts[0] === 'stores' && parts[2] === 'events' && parts.length === 3) return { name: 'events', store: parts[1]! };
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
      return `/stores/${encodeURIComponent(route.store)}/streams/${encodeURIComponent(route.streamId)}${route.at !== undefined ? `?at=${route.at}` : ''}`;
    case 'outbox':
      return '/outbox';
    case 'keys':
      return '/keys';
    case 'events':
      return `/stores/${encodeURIComponent(route.store)}/events${route.search ? `?${route.search}` : ''}`;
    case 'health':
      return '/health';
    case 'notFound':
      return route.path;
  }
}

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
window.addEventListener('popstate', notify);
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
};

export function navigate(href: string): void {
  if (href === window.location.pathname + window.location.search) return;
  window.history.pushState(null, '', href);
  notify();
  window.scrollTo(0, 0);
}

/** Changes the query string of the current page without a new history entry (filters as they are typed). */
export function replaceSearch(params: URLSearchParams): void {
  const text = params.toString();
  const href = `${window.location.pathname}${text ? `?${text}` : ''}`;
  if (href === window.location.pathname + window.location.search) return;
  window.history.replaceState(null, '', href);
  notify();
}

export function useRoute(): Route {
  const pathname = useSyncExternalStore(subscribe, () => window.location.pathname);
  return parseRoute(pathname);
}

/** The current query string (re-renders when it changes). */
export function useSearchParams(): URLSearchParams {
  const search = useSyncExternalStore(subscribe, () => window.location.search);
  return new URLSearchParams(search);
}
