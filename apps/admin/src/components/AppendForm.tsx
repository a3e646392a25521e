import { useId, useState, type FormEvent } from 'react';
import { InvalidAppendError, OutboxStorageError } from '@eventlane/client';
import { useSignedIn } from '../appContext';
import { emptyDraft, expectedFrom, parseDraft, type DraftErrors, type EventDraft, type ExpectedMode } from './appendDraft';

interface Props {
  store: string;
  streamId: string;
  /** The stream's version as far as this app knows, counting appends still in the outbox; null when it is unknown (never loaded). */
  head: number | null;
}

/** Appends go to the outbox first, online or not; the outbox syncs them. */
export function AppendForm({ store, streamId, head }: Props) {
  const { client } = useSignedIn();
  const [drafts, setDrafts] = useState<EventDraft[]>(() => [emptyDraft()]);
  const [errors, setErrors] = useState<Record<number, DraftErrors>>({});
  // Until the operator picks a check: the head when it is known, else `any` (expecting 0 on a stream never loaded would conflict).
  const [picked, setPicked] = useState<ExpectedMode | null>(null);
  const mode: ExpectedMode = picked === 'head' && head === null ? 'any' : (picked ?? (head === null ? 'any' : 'head'));
  const setMode = setPicked;
  const [number, setNumber] = useState('');
  const [expectedError, setExpectedError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [queued, setQueued] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const update = (key: number, change: Partial<EventDraft>) => {
    setDrafts((current) => current.map((draft) => (draft.key === key ? { ...draft, ...change } : draft)));
    // Errors follow the text as it is typed once they have been shown.
    if (errors[key]) {
      const next = drafts.find((draft) => draft.key === key);
      if (next) setErrors((current) => ({ ...current, [key]: parseDraft({ ...next, ...change }).errors }));
    }
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setQueued(null);
    setFormError(null);
    const parsed = drafts.map((draft) => ({ key: draft.key, ...parseDraft(draft) }));
    if (mode === 'head' && head === null) return;
    const nextErrors: Record<number, DraftErrors> = {};
    for (const result of parsed) if (Object.keys(result.errors).length > 0) nextErrors[result.key] = result.errors;
    const expected = expectedFrom(mode, head ?? 0, number);
    setErrors(nextErrors);
    setExpectedError(expected.error ?? null);
    if (Object.keys(nextErrors).length > 0 || expected.error) {
      setFormError('Nothing was queued: fix the marked fields.');
      return;
    }
    setBusy(true);
    try {
      const { entry } = await client.append(
        store,
        streamId,
        parsed.map((result) => result.event!),
        { expectedStreamVersion: expected.value },
      );
      setQueued(`Queued as outbox entry #${entry.id} (${entry.events.length} event${entry.events.length === 1 ? '' : 's'}, expected version ${String(entry.expectedStreamVersion ?? 'any')}).`);
      setDrafts([emptyDraft()]);
      setErrors({});
    } catch (error) {
      if (error instanceof InvalidAppendError) {
        setFormError(`Nothing was queued: ${error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      } else if (error instanceof OutboxStorageError) {
        setFormError(`Nothing was queued: the browser refused to store it (${error.message}).`);
      } else {
        setFormError(`Nothing was queued: ${(error as Error).message}`);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="append-form card" onSubmit={(event) => void submit(event)} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Append to {streamId}</h2>
      {drafts.map((draft, index) => {
        const fieldErrors = errors[draft.key] ?? {};
        const base = `${id}-event-${draft.key}`;
        return (
          <fieldset key={draft.key} className="event-draft">
            <legend>Event {index + 1}</legend>
            <label htmlFor={`${base}-type`}>Event type</label>
            <input
              id={`${base}-type`}
              value={draft.type}
              onChange={(event) => update(draft.key, { type: event.target.value })}
              aria-invalid={fieldErrors.type ? true : undefined}
              aria-describedby={fieldErrors.type ? `${base}-type-error` : undefined}
              placeholder="OrderPlaced"
            />
            <FieldError id={`${base}-type-error`} message={fieldErrors.type} />
            <label htmlFor={`${base}-data`}>Data (JSON object)</label>
            <textarea
              id={`${base}-data`}
              className="json"
              rows={5}
              spellCheck={false}
              value={draft.data}
              onChange={(event) => update(draft.key, { data: event.target.value })}
              aria-invalid={fieldErrors.data ? true : undefined}
              aria-describedby={fieldErrors.data ? `${base}-data-error` : undefined}
            />
            <FieldError id={`${base}-data-error`} message={fieldErrors.data} />
            <label htmlFor={`${base}-metadata`}>Metadata (JSON object, optional)</label>
            <textarea
              id={`${base}-metadata`}
              className="json"
              rows={2}
              spellCheck={false}
              value={draft.metadata}
              onChange={(event) => update(draft.key, { metadata: event.target.value })}
              aria-invalid={fieldErrors.metadata ? true : undefined}
              aria-describedby={fieldErrors.metadata ? `${base}-metadata-error` : undefined}
            />
            <FieldError id={`${base}-metadata-error`} message={fieldErrors.metadata} />
            <label htmlFor={`${base}-schema`}>Schema version (optional)</label>
            <input
              id={`${base}-schema`}
              value={draft.schemaVersion}
              onChange={(event) => update(draft.key, { schemaVersion: event.target.value })}
              aria-invalid={fieldErrors.schemaVersion ? true : undefined}
              aria-describedby={fieldErrors.schemaVersion ? `${base}-schema-error` : undefined}
              placeholder="1.0"
            />
            <FieldError id={`${base}-schema-error`} message={fieldErrors.schemaVersion} />
            {drafts.length > 1 ? (
              <button type="button" className="secondary" onClick={() => setDrafts((current) => current.filter((d) => d.key !== draft.key))}>
                Remove event {index + 1}
              </button>
            ) : null}
          </fieldset>
        );
      })}
      <button type="button" className="secondary" onClick={() => setDrafts((current) => [...current, emptyDraft()])}>
        Add another event
      </button>
      <fieldset className="expected">
        <legend>Expected stream version</legend>
        <label htmlFor={`${id}-mode`}>Check</label>
        <select id={`${id}-mode`} value={mode} onChange={(event) => setMode(event.target.value as ExpectedMode)}>
          <option value="head" disabled={head === null}>
            Current head ({head ?? 'unknown'})
          </option>
          <option value="number">Exactly this version…</option>
          <option value="no_stream">no_stream (the stream must not exist)</option>
          <option value="stream_exists">stream_exists</option>
          <option value="any">any (no check)</option>
        </select>
        {head === null ? (
          <p className="hint" data-testid="head-unknown">
            This stream was not loaded while offline, so its version is unknown: the check is <code>any</code> unless you choose one.
          </p>
        ) : null}
        {mode === 'number' ? (
          <>
            <label htmlFor={`${id}-number`}>Version</label>
            <input
              id={`${id}-number`}
              inputMode="numeric"
              value={number}
              onChange={(event) => setNumber(event.target.value)}
              aria-invalid={expectedError ? true : undefined}
              aria-describedby={expectedError ? `${id}-number-error` : undefined}
            />
            <FieldError id={`${id}-number-error`} message={expectedError ?? undefined} />
          </>
        ) : null}
      </fieldset>
      {formError ? (
        <p role="alert" className="error">
          {formError}
        </p>
      ) : null}
      {queued ? (
        <p role="status" className="ok">
          {queued}
        </p>
      ) : null}
      <button type="submit" disabled={busy}>
        Append
      </button>
    </form>
  );
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="field-error">
      {message}
    </p>
  );
}
