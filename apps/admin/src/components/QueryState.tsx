import { ApiError } from '../api/adminApi';

/** The error state of a read: offline, refused key, missing scope, or anything else, in words. */
export function QueryError({ error, what, hasData }: { error: unknown; what: string; hasData: boolean }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const message =
    apiError?.kind === 'network'
      ? `The server cannot be reached${hasData ? `; showing the ${what} as last loaded` : ` and the ${what} were never loaded in this browser`}.`
      : apiError?.kind === 'auth'
        ? 'The server refused the API key. Sign in again.'
        : apiError?.kind === 'forbidden'
          ? `This API key may not read the ${what} (${apiError.message}).`
          : `Could not load the ${what}: ${(error as Error).message}`;
  return (
    <p role="alert" className={apiError?.kind === 'network' && hasData ? 'warn-text' : 'error'}>
      {message}
    </p>
  );
}
