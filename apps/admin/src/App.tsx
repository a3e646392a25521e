import { Component, useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { PersistQueryClientProvider } from '@tanstack/react-query-persist-client';
import { TRPCProvider } from './api/trpc';
import { useOutbox, useSyncStatus } from '@eventlane/client/react';
import { SignedInContext, useSessionStore, useSignedIn } from './appContext';
import { createQueryClient, queryPersister } from './queryClient';
import { Link } from './components/Link';
import { ReauthPanel } from './components/ReauthPanel';
import { StatusBar } from './components/StatusBar';
import { useKeyRefused } from './keyRefused';
import { keyHint } from './session';
import { useRoute, type Route } from './router';
import { SignInScreen } from './screens/SignInScreen';
import { StoresScreen } from './screens/StoresScreen';
import { StoreScreen } from './screens/StoreScreen';
import { StreamScreen } from './screens/StreamScreen';
import { SubscriptionsScreen } from './screens/SubscriptionsScreen';
import { OutboxScreen } from './screens/OutboxScreen';
import { KeysScreen } from './screens/KeysScreen';
import { ExplorerScreen } from './screens/ExplorerScreen';
import { HealthScreen } from './screens/HealthScreen';

export function App() {
  const sessions = useSessionStore();
  const signedIn = useSyncExternalStore(sessions.subscribe, sessions.getSnapshot);
  const client = signedIn?.client;
  // A fresh query cache per sign-in: nothing of a previous operator is shown.
  const queryClient = useMemo(() => (client ? createQueryClient() : null), [client]);
  if (!signedIn || !queryClient) return <SignInScreen />;
  return (
    <SignedInContext.Provider value={signedIn}>
      <PersistQueryClientProvider
        client={queryClient}
        persistOptions={{
          persister: queryPersister,
          maxAge: 7 * 24 * 60 * 60 * 1000,
          buster: signedIn.session.organizationId ?? '',
          // The explorer's pages and the health figures are not kept for offline use.
          dehydrateOptions: { shouldDehydrateQuery: (query) => query.state.status === 'success' && query.meta?.persist !== false },
        }}
      >
        <TRPCProvider trpcClient={signedIn.api} queryClient={queryClient}>
          <Shell />
        </TRPCProvider>
      </PersistQueryClientProvider>
    </SignedInContext.Provider>
  );
}

function Shell() {
  const { session, client } = useSignedIn();
  const sessions = useSessionStore();
  const route = useRoute();
  const status = useSyncStatus(client);
  const outbox = useOutbox(client);
  const open = outbox.filter((entry) => entry.state !== 'synced').length;
  const keyRefused = useKeyRefused();
  const queryClient = useQueryClient();
  // A new key (given here or in another tab): the refusals of the old one are over. Clear them and
  // read everything again with the new key, so no screen keeps an error or a stale list.
  const apiKey = session.apiKey;
  const lastKey = useRef(apiKey);
  const { clear: clearRefused } = keyRefused;
  useEffect(() => {
    if (lastKey.current === apiKey) return;
    lastKey.current = apiKey;
    clearRefused();
    void queryClient.invalidateQueries();
  }, [apiKey, clearRefused, queryClient]);
  const organizationUnknown = session.organizationId === null;
  useEffect(() => {
    if (organizationUnknown && status.online) void sessions.refreshIdentity();
  }, [organizationUnknown, status.online, sessions]);

  // After a navigation (not the first render), move focus to the new screen for keyboard and screen-reader users.
  const firstRoute = useRef(true);
  const routeKey = JSON.stringify(route);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [routeKey]);

  async function signOut() {
    const unsent = outbox.filter((entry) => entry.state !== 'synced').length;
    if (unsent > 0 && !window.confirm(`${unsent} append(s) in the outbox are not on the server yet. Signing out deletes them. Sign out?`)) return;
    await sessions.signOut();
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to={{ name: 'stores' }} className="brand">
          Eventlane
        </Link>
        <nav aria-label="Main">
          <ul>
            <li>
              <Link to={{ name: 'stores' }} current={route.name === 'stores' || route.name === 'store' || route.name === 'stream' || route.name === 'events' || route.name === 'subscriptions'}>
                Stores
              </Link>
            </li>
            <li>
              <Link to={{ name: 'outbox' }} current={route.name === 'outbox'}>
                Outbox{open > 0 ? <span className="badge" aria-label={`${open} not synced`}>{open}</span> : null}
              </Link>
            </li>
            <li>
              <Link to={{ name: 'health' }} current={route.name === 'health'}>
                Health
              </Link>
            </li>
            {session.scopes === null || session.scopes.includes('admin') ? (
              <li>
                <Link to={{ name: 'keys' }} current={route.name === 'keys'}>
                  API keys
                </Link>
              </li>
            ) : null}
          </ul>
        </nav>
        <div className="who">
          <span title="Organization of the signed-in key">
            <span className="org-label">Organization: </span>
            <strong data-testid="organization">{session.organizationId ?? 'unknown'}</strong>
          </span>
          <span className="muted">{keyHint(session.apiKey)}</span>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      {status.paused === 'auth' || keyRefused.refused ? <ReauthPanel onAccepted={keyRefused.clear} /> : null}
      <main id="main" tabIndex={-1}>
        <ScreenBoundary key={routeKey}>
          <Screen route={route} />
        </ScreenBoundary>
      </main>
      <StatusBar />
    </div>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'stores':
      return <StoresScreen />;
    case 'store':
      return <StoreScreen key={route.store} store={route.store} />;
    case 'subscriptions':
      return <SubscriptionsScreen key={route.store} store={route.store} />;
    case 'stream':
      return <StreamScreen key={`${route.store}/${route.streamId}`} store={route.store} streamId={route.streamId} />;
    case 'outbox':
      return <OutboxScreen />;
    case 'keys':
      return <KeysScreen />;
    case 'events':
      return <ExplorerScreen key={route.store} store={route.store} />;
    case 'health':
      return <HealthScreen />;
    case 'notFound':
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <Link to={{ name: 'stores' }}>Go to the stores</Link>.
          </p>
        </section>
      );
  }
}

/** A screen that fails to render says so, instead of blanking the app (the status bar and outbox stay usable). */
class ScreenBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section role="alert">
        <h1>This screen failed</h1>
        <p className="error">{this.state.error.message}</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload the app
        </button>
      </section>
    );
  }
}
