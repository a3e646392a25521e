import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc';
import { API_KEY_SCOPES, type ApiKeyScope } from '@eventlane/contracts';
import { useSignedIn } from '../appContext';
import { OneTimeSecret } from '../components/OneTimeSecret';
import { QueryStatus } from '../components/QueryState';
import { formatTime } from '../format';

/** API keys of the organization (admin scope): create (shown once) and revoke. */
export function KeysScreen() {
  const { session } = useSignedIn();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.apiKeys.list.pathFilter()) }),
  );
  const list = keys.data?.apiKeys ?? [];
  return (
    <section aria-labelledby="keys-title">
      <header className="screen-header">
        <h1 id="keys-title">API keys</h1>
        <p className="muted">A key is shown once, when it is created; the server keeps only its hash.</p>
      </header>
      <div className="two-columns">
        <div>
          <QueryStatus query={keys} what="API keys" />
          {list.length > 0 ? (
            <table className="table cards">
              <caption className="sr-only">API keys</caption>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {list.map((key) => {
                  const mine = session.apiKey.startsWith(key.prefix);
                  return (
                    <tr key={key.keyId}>
                      <td data-label="Key">
                        <code>{key.prefix}…</code>
                        {mine ? <span className="muted"> (this browser)</span> : null}
                      </td>
                      <td data-label="Name">{key.name ?? <span className="muted">—</span>}</td>
                      <td data-label="Scopes">{key.scopes.join(', ')}</td>
                      <td data-label="Created">{formatTime(key.createdAt)}</td>
                      <td data-label="Status">
                        {key.revokedAt ? (
                          `Revoked ${formatTime(key.revokedAt)}`
                        ) : (
                          <button
                            type="button"
                            className="danger"
                            aria-label={`Revoke key ${key.prefix}`}
                            onClick={() => {
                              const warning = mine ? ' This is the key this browser uses: you will have to sign in again.' : '';
                              if (window.confirm(`Revoke ${key.prefix}…?${warning}`)) revoke.mutate({ keyId: key.keyId });
                            }}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : null}
          {revoke.error ? (
            <p role="alert" className="error">
              {revoke.error.message}
            </p>
          ) : null}
        </div>
        <CreateKeyForm />
      </div>
    </section>
  );
}

function CreateKeyForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['append', 'read']);
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({ onSuccess: () => queryClient.invalidateQueries(trpc.apiKeys.list.pathFilter()) }),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    if (scopes.length > 0) create.mutate({ scopes, ...(name.trim() ? { name: name.trim() } : {}) });
  }
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Create a key</h2>
      <label htmlFor={`${id}-name`}>Name (optional)</label>
      <input id={`${id}-name`} value={name} onChange={(event) => setName(event.target.value)} placeholder="checkout service" />
      <fieldset>
        <legend>Scopes</legend>
        {API_KEY_SCOPES.map((scope) => (
          <span key={scope} className="toggle">
            <input
              id={`${id}-${scope}`}
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(event) => setScopes((current) => (event.target.checked ? [...current, scope] : current.filter((s) => s !== scope)))}
            />
            <label htmlFor={`${id}-${scope}`}>{scope}</label>
          </span>
        ))}
      </fieldset>
      {scopes.length === 0 ? <p className="field-error">Choose at least one scope.</p> : null}
      {create.error ? (
        <p role="alert" className="error">
          {create.error.message}
        </p>
      ) : null}
      <button type="submit" disabled={create.isPending || scopes.length === 0}>
        Create key
      </button>
      {create.data ? (
        <OneTimeSecret key={create.data.key} label="Copy this key now; it will not be shown again:" value={create.data.key} testId="new-api-key" copyLabel="Copy key" />
      ) : null}
    </form>
  );
}
