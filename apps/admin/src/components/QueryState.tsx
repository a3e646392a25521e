import { describeFailure } from '../api/trpc';

/** The error state of a read: offline, refused key, missing scope, or anything else, in words. */
export function QueryError({ error, what, hasData }: { error: unknown; what: string; hasData: boolean }) {
  if (!error) return null;
  const failure = describeFailure(error);
  if (failure.kind === 'network' && !hasData) return <NothingCached what={what} />;
  const message =
    failure.kind === 'network'
      ? `The server cannot be reached${hasData ? `; showing the ${what} as last loaded` : ` and the ${what} were never loaded in this browser`}.`
      : failure.kind === 'auth'
        ? 'The server refused the API key. Sign in again.'
        : failure.kind === 'forbidden'
          ? `This API key may not read the ${what} (${failure.message}).`
          : `Could not load the ${what}: ${failure.message}`;
  return (
    <p role="alert" className={failure.kind === 'network' && hasData ? 'warn-text' : 'error'}>
      {message}
    </p>
  );
}

interface QueryLike {
  error: unknown;
  data: unknown;
  isPending: boolean;
  fetchStatus: 'fetching' | 'paused' | 'idle';
}

/**
 * Loading, offline and error states of a read in one place. Offline, a query that was never
 * answered waits (TanStack pauses it) instead of failing: that is said in words, not shown as an
 * endless spinner.
 */
export function QueryStatus({ query, what }: { query: QueryLike; what: string }) {
  if (query.error) return <QueryError error={query.error} what={what} hasData={query.data !== undefined} />;
  if (query.isPending && query.fetchStatus === 'paused') return <NothingCached what={what} />;
  if (query.isPending) return <p className="muted">Loading {what}…</p>;
  if (query.fetchStatus === 'paused') {
    return (
      <p role="status" className="warn-text">
        Offline: showing the {what} as last loaded.
      </p>
    );
  }
  return null;
}

function NothingCached({ what }: { what: string }) {
  return (
    <p role="status" className="warn-text" data-testid="offline-not-cached">
      Offline: the {what} were never loaded in this browser, so nothing is cached. They load when the server can be reached.
    </p>
  );
}

/** A read that has no data and cannot have any now: offline (paused) or failed to reach the server. */
export function nothingCached(query: QueryLike): boolean {
  return query.data === undefined && ((query.isPending && query.fetchStatus === 'paused') || (query.error !== null && query.error !== undefined && describeFailure(query.error).kind === 'network'));
}
