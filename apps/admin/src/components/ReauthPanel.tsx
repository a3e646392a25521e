import { useId, useState, type FormEvent } from 'react';
import { useSessionStore } from '../appContext';

/** Shown when the server refused the key (401/403): sync is paused until a valid key is given; the outbox is kept. */
export function ReauthPanel({ onAccepted }: { onAccepted?: () => void }) {
  const sessions = useSessionStore();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await sessions.replaceKey(key);
      setKey('');
      onAccepted?.();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="reauth" role="region" aria-labelledby="reauth-title">
      <form onSubmit={(event) => void submit(event)}>
        <h2 id="reauth-title">Sign in again: the server refused the API key</h2>
        <p>Sync is paused. Queued appends stay in the outbox and are sent once you give a valid key.</p>
        <div className="row">
          <label htmlFor="reauth-key">New API key</label>
          <input
            id="reauth-key"
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(event) => setKey(event.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            placeholder="el_…"
          />
          <button type="submit" disabled={busy || key.trim() === ''}>
            {busy ? 'Checking…' : 'Use this key'}
          </button>
        </div>
        {error ? (
          <p id={errorId} role="alert" className="error">
            {error}
          </p>
        ) : null}
      </form>
    </section>
  );
}
