import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { OutboxEntry } from '@eventlane/client';
import { expectedStreamVersionSchema, eventInputSchema, findForbiddenKey, type StoredEvent } from '@eventlane/contracts';
import { z } from 'zod';
import { useSignedIn } from '../appContext';
import { formatTime, prettyJson } from '../format';
import { formatPath } from './appendDraft';
import { Link } from './Link';

const STATE_TEXT: Record<OutboxEntry['state'], string> = {
  pending: 'Pending',
  syncing: 'Syncing',
  synced: 'Synced',
  conflict: 'Version conflict',
  rejected: 'Rejected',
  paused: 'Paused',
};

/** One queued append: its state and what can be done with it. */
export function OutboxEntryCard({ entry, compact = false }: { entry: OutboxEntry; compact?: boolean }) {
  const { client } = useSignedIn();
  const [editing, setEditing] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const titleId = useId();

  const act = (work: () => Promise<unknown>) => {
    setActionError(null);
    work().catch((error: unknown) => setActionError((error as Error).message));
  };

  const expected = entry.expectedStreamVersion ?? 'any';
  const current = useCurrentVersion(entry);
  const waitingRetry = entry.state === 'pending' && entry.attempts > 0;

  return (
    <article className={`entry state-${entry.state}`} aria-labelledby={titleId} data-testid="outbox-entry" data-state={entry.state}>
      <header className="entry-head">
        <h3 id={titleId}>
          #{entry.id}{' '}
          {compact ? (
            entry.events.map((event) => event.type).join(', ')
          ) : (
            <Link to={{ name: 'stream', store: entry.store, streamId: entry.streamId }}>
              {entry.store} / {entry.streamId}
            </Link>
          )}
        </h3>
        <span className={`pill state state-${entry.state}`} data-testid="entry-state">
          {STATE_TEXT[entry.state]}
        </span>
      </header>
      <p className="entry-meta">
        {compact ? null : <span>{entry.events.map((event) => event.type).join(', ')} · </span>}
        {entry.events.length} event{entry.events.length === 1 ? '' : 's'} · expected version {String(expected)} · queued {formatTime(entry.createdAt)}
        {entry.attempts > 0 ? ` · ${entry.attempts} attempt${entry.attempts === 1 ? '' : 's'}` : ''}
        {entry.state === 'synced' && entry.result ? ` · stored, stream now at version ${entry.result.nextExpectedStreamVersion}` : ''}
        {waitingRetry && entry.nextAttemptAt > Date.now() ? ` · next try ${formatTime(entry.nextAttemptAt)}` : ''}
      </p>
      {entry.lastError && entry.state !== 'synced' ? (
        <p className="error" data-testid="entry-error">
          {errorText(entry.lastError)}
        </p>
      ) : null}
      {entry.state === 'rejected' && entry.lastError?.details?.length ? (
        <ul className="error">
          {entry.lastError.details.map((issue, index) => (
            <li key={index}>
              <code>{issue.path.length > 0 ? formatPath(issue.path) : 'request body'}</code>: {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
      {entry.state === 'paused' ? <p className="muted">Waiting for a valid API key.</p> : null}
      {entry.state === 'conflict' ? <ConflictDetails entry={entry} current={current} /> : null}
      {editing ? (
        <EditEntry entry={entry} onDone={() => setEditing(false)} />
      ) : (
        <div className="actions">
          {entry.state === 'conflict' && (current.version ?? entry.currentVersion) !== null ? (
            <button
              type="button"
              onClick={() =>
                act(async () => {
                  // Read the head first: another writer may have appended since the 409 (or since this card was shown).
                  const fresh = await current.refresh();
                  await client.rebase(entry.id, fresh);
                })
              }
            >
              Rebase onto version {current.version ?? entry.currentVersion}
            </button>
          ) : null}
          {entry.state === 'conflict' || entry.state === 'rejected' || entry.state === 'paused' || waitingRetry ? (
            <button type="button" className="secondary" onClick={() => act(() => client.retry(entry.id))}>
              Retry{waitingRetry ? ' now' : ''}
            </button>
          ) : null}
          {entry.state === 'conflict' || entry.state === 'rejected' || entry.state === 'paused' || (entry.state === 'pending' && entry.attempts === 0) ? (
            <button type="button" className="secondary" onClick={() => setEditing(true)}>
              Edit
            </button>
          ) : null}
          {entry.state !== 'syncing' && entry.state !== 'synced' ? (
            <button
              type="button"
              className="danger"
              onClick={() => {
                if (window.confirm(`Discard outbox entry #${entry.id}? Its events will never be sent.`)) act(() => client.discard(entry.id));
              }}
            >
              Discard
            </button>
          ) : null}
        </div>
      )}
      {actionError ? (
        <p role="alert" className="error">
          {actionError}
        </p>
      ) : null}
    </article>
  );
}

interface CurrentStream {
  /** The stream's version as read from the server when the card was shown (null until read). */
  version: number | null;
  events: StoredEvent[] | null;
  error: string | null;
  /** Reads the stream again and returns its version now. */
  refresh(): Promise<number>;
}

/** For a conflict: the stream as it is now, read when the card is shown, not the version the 409 named. */
function useCurrentVersion(entry: OutboxEntry): CurrentStream {
  const { client } = useSignedIn();
  const [state, setState] = useState<{ version: number | null; events: StoredEvent[] | null; error: string | null }>({ version: null, events: null, error: null });
  const conflict = entry.state === 'conflict';
  const refresh = useCallback(async () => {
    const snapshot = await client.readStream(entry.store, entry.streamId);
    setState({ version: snapshot.currentStreamVersion, events: snapshot.events, error: null });
    return snapshot.currentStreamVersion;
  }, [client, entry.store, entry.streamId]);
  useEffect(() => {
    if (!conflict) return;
    let live = true;
    refresh().catch((failure: unknown) => live && setState((current) => ({ ...current, error: (failure as Error).message })));
    return () => {
      live = false;
    };
  }, [conflict, refresh, entry.currentVersion, entry.updatedAt]);
  return { ...state, refresh };
}

/** What the stream looks like now: its version and the events written since the version this append expected. */
function ConflictDetails({ entry, current }: { entry: OutboxEntry; current: CurrentStream }) {
  const from = typeof entry.expectedStreamVersion === 'number' ? entry.expectedStreamVersion : 0;
  const since = current.events?.filter((event) => event.streamPosition >= from) ?? null;
  const error = current.error;
  return (
    <div className="conflict" data-testid="conflict-details">
      <p>
        The stream is at version <strong data-testid="conflict-current">{current.version ?? entry.currentVersion ?? 'unknown'}</strong>
        {current.version === null ? ' (as the server said at the conflict; reading it now…)' : ''}; this append expected{' '}
        <strong>{String(entry.expectedStreamVersion ?? 'any')}</strong>.
      </p>
      {error ? <p className="error">Could not load the events written since: {error}</p> : null}
      {since === null && !error ? <p className="muted">Loading the events written since…</p> : null}
      {since && since.length > 0 ? (
        <details open>
          <summary>
            {since.length} event{since.length === 1 ? '' : 's'} written since version {from}
          </summary>
          <ol className="since">
            {since.map((event) => (
              <li key={event.eventId}>
                <strong>{event.type}</strong> at position {event.streamPosition}, {formatTime(event.createdAt)}
                <pre className="json">{prettyJson(event.data)}</pre>
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}

/** The message of an outbox error, with its HTTP status once (the sync engine may already have put it in the message). */
function errorText(error: NonNullable<OutboxEntry['lastError']>): string {
  if (!error.status || error.message.startsWith(`HTTP ${error.status}`)) return error.message;
  return `HTTP ${error.status}: ${error.message}`;
}

const editSchema = z.array(eventInputSchema.omit({ eventId: true })).min(1, 'At least one event');

function EditEntry({ entry, onDone }: { entry: OutboxEntry; onDone: () => void }) {
  const { client } = useSignedIn();
  const id = useId();
  const [text, setText] = useState(() => prettyJson(entry.events.map(({ eventId: _id, ...event }) => event)));
  const [expected, setExpected] = useState(String(entry.expectedStreamVersion ?? 'any'));
  const [error, setError] = useState<string | null>(null);

  async function save(event: FormEvent) {
    event.preventDefault();
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(text);
    } catch (failure) {
      setError(`Not valid JSON: ${(failure as Error).message}`);
      return;
    }
    const forbidden = findForbiddenKey(parsedJson, ['events']);
    if (forbidden) {
      setError(`${formatPath(forbidden)}: a key the server refuses ("__proto__", and "prototype" inside "constructor", are never accepted)`);
      return;
    }
    const events = editSchema.safeParse(parsedJson);
    if (!events.success) {
      setError(events.error.issues.map((issue) => `${issue.path.join('.') || 'events'}: ${issue.message}`).join('; '));
      return;
    }
    const version = expectedStreamVersionSchema.safeParse(/^\d+$/.test(expected.trim()) ? Number(expected.trim()) : expected.trim());
    if (!version.success) {
      setError('Expected version: a whole number, no_stream, stream_exists or any');
      return;
    }
    try {
      await client.edit(entry.id, events.data, { expectedStreamVersion: version.data });
      onDone();
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  return (
    <form className="edit-entry" onSubmit={(event) => void save(event)} noValidate>
      <label htmlFor={`${id}-events`}>Events (JSON array)</label>
      <textarea
        id={`${id}-events`}
        className="json"
        rows={8}
        spellCheck={false}
        value={text}
        onChange={(event) => setText(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <label htmlFor={`${id}-expected`}>Expected version</label>
      <input id={`${id}-expected`} value={expected} onChange={(event) => setExpected(event.target.value)} />
      {error ? (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit">Save and resend</button>
        <button type="button" className="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
