import { useEffect, useId, useMemo, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ReadError } from '@eventlane/client';
import { useOutbox, useStream, useSyncStatus } from '@eventlane/client/react';
import { useSignedIn } from '../appContext';
import { AppendForm } from '../components/AppendForm';
import { EventList } from '../components/EventList';
import { Link } from '../components/Link';
import { OutboxEntryCard } from '../components/OutboxEntryCard';
import { formatAge, useNow } from '../format';
import { useLiveTail } from '../liveTail';
import { reportKeyRefused } from '../keyRefused';
import { streamHead } from '../streamHead';

export function StreamScreen({ store, streamId }: { store: string; streamId: string }) {
  const { client, api } = useSignedIn();
  const queryClient = useQueryClient();
  const stream = useStream(client, store, streamId);
  const outbox = useOutbox(client);
  const status = useSyncStatus(client);
  const now = useNow(5_000);
  const [tail, setTail] = useState(false);
  const tailId = useId();

  const mine = useMemo(() => outbox.filter((entry) => entry.store === store && entry.streamId === streamId), [outbox, store, streamId]);
  const waiting = mine.filter((entry) => entry.state !== 'synced');
  const syncedCount = mine.filter((entry) => entry.state === 'synced').length;
  const head = streamHead(stream.currentStreamVersion, outbox, store, streamId);

  // Whenever one of this stream's appends lands, read what the server now has; the store's lists and charts are out of date too.
  useEffect(() => {
    if (syncedCount === 0) return;
    client.readStream(store, streamId).catch(() => undefined);
    void queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] === 'stores' || query.queryKey.includes(store) });
  }, [client, queryClient, store, streamId, syncedCount]);

  useLiveTail(tail, client, api, store, streamId, stream.currentStreamVersion);
  const readRefused = stream.error instanceof ReadError && stream.error.kind === 'auth';
  useEffect(() => {
    if (readRefused) reportKeyRefused();
  }, [readRefused]);

  const cacheState = stream.revalidating
    ? 'Loading from the server…'
    : stream.fetchedAt === null
      ? stream.error
        ? 'Not available offline: this stream was never loaded in this browser.'
        : 'Not loaded yet.'
      : `Loaded ${formatAge(now - stream.fetchedAt)}${stream.error ? ' — showing the cached copy' : ''}`;

  return (
    <section className="stream-screen" aria-labelledby="stream-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={{ name: 'stores' }}>Stores</Link> / <Link to={{ name: 'store', store }}>{store}</Link> / <span>{streamId}</span>
      </nav>
      <header className="screen-header">
        <h1 id="stream-title">{streamId}</h1>
        <dl className="facts">
          <div>
            <dt>Version</dt>
            <dd data-testid="stream-version">{stream.currentStreamVersion}</dd>
          </div>
          <div>
            <dt>Queued here</dt>
            <dd>{waiting.length}</dd>
          </div>
          <div>
            <dt>Cache</dt>
            <dd data-testid="stream-cache">{cacheState}</dd>
          </div>
        </dl>
        <div className="actions">
          <button type="button" className="secondary" onClick={() => void client.readStream(store, streamId).catch(() => undefined)} disabled={stream.revalidating}>
            Refresh
          </button>
          <span className="toggle">
            <input id={tailId} type="checkbox" checked={tail} onChange={(event) => setTail(event.target.checked)} />
            <label htmlFor={tailId}>Live tail</label>
          </span>
        </div>
      </header>
      {stream.error ? (
        <p role="alert" className="error">
          Could not read the stream from the server: {stream.error.message}
          {status.online ? '' : ' (offline)'}
        </p>
      ) : null}
      <div className="stream-layout">
        <div className="stream-main">
          {waiting.length > 0 ? (
            <section aria-labelledby="queued-title" className="queued">
              <h2 id="queued-title">In the outbox, not on the server yet</h2>
              <ul className="entries">
                {waiting.map((entry) => (
                  <li key={entry.id}>
                    <OutboxEntryCard entry={entry} compact />
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <h2>Events</h2>
          <EventList events={stream.events} label={`Events of ${streamId}`} />
        </div>
        <aside className="stream-side">
          <AppendForm store={store} streamId={streamId} head={head} />
        </aside>
      </div>
    </section>
  );
}
