import { useId, useState, type FormEvent } from 'react';
import { useSessionStore } from '../appContext';

export function SignInScreen() {
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
      await sessions.signIn(key);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <form onSubmit={(event) => void submit(event)} aria-labelledby="sign-in-title" className="card">
        <h1 id="sign-in-title">Sign in to Eventlane</h1>
        <p>
          Paste an API key. The first start of the server prints an admin key; <code>pnpm eventlane keys create</code> makes more.
          The key is kept in this browser until you sign out.
        </p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={key}
          onChange={(event) => setKey(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          placeholder="el_…"
        />
        {error ? (
          <p id={errorId} role="alert" className="error">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
