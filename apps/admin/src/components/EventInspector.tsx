import { useEffect, useId, useRef, useState } from 'react';
import { metadataText, type StoredEvent } from '@eventlane/contracts';
import { formatTime, prettyJson } from '../format';
import { copyText } from './copy';
import { JsonTree } from './JsonTree';
import { Link } from './Link';

/** Metadata fields that tie events together; the first one present gets a "same …" link. */
const CORRELATION_KEYS = ['correlationId', 'correlation_id', 'causationId'];

/**
 * One event in full: its identifiers with links (same transaction, same correlation id, the
 * stream at its position), its data and metadata as collapsible trees or raw JSON, and copy
 * buttons for the whole event and for any value.
 */
export function EventInspector({ store, event, onClose }: { store: string; event: StoredEvent; onClose(): void }) {
  const id = useId();
  const [raw, setRaw] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [event.eventId]);
  const correlation = CORRELATION_KEYS.map((key) => ({ key, value: metadataText(event.metadata?.[key]) })).find((entry) => entry.value !== undefined);
  const copyAll = () =>
    void copyText(prettyJson(event)).then(
      () => setNote('Copied the whole event'),
      (error: unknown) => setNote(`Could not copy: ${(error as Error).message}`),
    );

  return (
    <aside className="inspector card" aria-labelledby={`${id}-title`} data-testid="inspector">
      <header className="inspector-head">
        <h2 id={`${id}-title`} tabIndex={-1} ref={heading}>
          {event.type}
        </h2>
        <div className="actions">
          <button type="button" className="secondary" onClick={copyAll}>
            Copy event
          </button>
          <button type="button" className="secondary" aria-pressed={raw} onClick={() => setRaw((value) => !value)}>
            {raw ? 'Tree view' : 'Raw JSON'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </div>
      </header>
      <p role="status" className="ok copy-note">
        {note ?? ''}
      </p>
      <dl className="inspector-facts">
        <dt>eventId</dt>
        <dd>
          <code>{event.eventId}</code>
        </dd>
        <dt>stream</dt>
        <dd>
          <Link to={{ name: 'stream', store, streamId: event.streamId, at: event.streamPosition }}>
            {event.streamId} at position {event.streamPosition}
          </Link>
        </dd>
        <dt>streamPosition</dt>
        <dd data-testid="inspector-stream-position">{event.streamPosition}</dd>
        <dt>globalPosition</dt>
        <dd data-testid="inspector-global-position">{event.globalPosition ?? <span title="The store's sequencer has not given it a global position yet">pending</span>}</dd>
        <dt>transactionId</dt>
        <dd>
          <code>{event.transactionId}</code>{' '}
          <Link to={{ name: 'events', store, search: new URLSearchParams({ tx: event.transactionId, order: 'asc' }).toString() }}>same transaction</Link>
        </dd>
        {correlation ? (
          <>
            <dt>{correlation.key}</dt>
            <dd>
              <code>{correlation.value}</code>{' '}
              <Link to={{ name: 'events', store, search: new URLSearchParams({ meta: correlation.key, value: correlation.value! }).toString() }}>
                same {correlation.key}
              </Link>
            </dd>
          </>
        ) : null}
        <dt>schemaVersion</dt>
        <dd>{event.schemaVersion ?? <span className="muted">none</span>}</dd>
        <dt>createdAt</dt>
        <dd>
          <time dateTime={event.createdAt}>{formatTime(event.createdAt)}</time> <span className="muted">({event.createdAt})</span>
        </dd>
      </dl>
      {raw ? (
        <pre className="json raw" data-testid="inspector-raw">
          {prettyJson(event)}
        </pre>
      ) : (
        <>
          <h3>data</h3>
          <JsonTree value={event.data} label="data" onCopied={setNote} />
          <h3>metadata</h3>
          {event.metadata ? <JsonTree value={event.metadata} label="metadata" onCopied={setNote} /> : <p className="muted">none</p>}
        </>
      )}
    </aside>
  );
}
