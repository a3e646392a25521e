import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ReadError } from '@eventlane/client';
import { useOutbox, useStream, useSyncStatus } from '@eventlane/client/react';
import type { StoredEvent } from '@eventlane/contracts';
import { useTRPC } from '../api/trpc';
import { useSignedIn } from '../appContext';
import { AppendForm } from '../components/AppendForm';
import { EventInspector } from '../components/EventInspector';
import { EventList } from '../components/EventList';
import { Link } from '../components/Link';
import { OutboxEntryCard } from '../components/OutboxEntryCard';
import { formatAge, useNow } from '../format';
import { useLiveTail } from '../liveTail';
import { reportKeyRefused } from '../keyRefused';
import { useSearchParams } from '../router';
import { streamHead } from '../streamHead';

const ORDER_KEY = 'eventlane-admin:stream-order';

export function StreamScreen({ store, streamId }: { store: string; streamId: string }) {
  const { client, session } = useSignedIn();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const stream = useStream(client, store, streamId);
  const outbox = useOutbox(client);
  const status = useSyncStatus(client);
  const now = useNow(5_000);
  const params = useSearchParams();
  const atParam = params.get('at');
  const at = atParam !== null && /^\d+$/.test(atParam) ? Number(atParam) : undefined;
  const [tail, setTail] = useState(false);
  const [order, setOrder] = useState<'asc' | 'desc'>(() => (localStorage.getItem(ORDER_KEY) === 'desc' ? 'desc' : 'asc'));
  const [inspected, setInspected] = useState<StoredEvent | null>(null);
  const tailId = useId();
  const orderId = useId();

  const mine = useMemo(() => outbox.filter((entry) => entry.store === store && entry.streamId === streamId), [outbox, store, streamId]);
  const waiting = mine.filter((entry) => entry.state !== 'synced');
  const syncedCount = mine.filter((entry) => entry.state === 'synced').length;
  // Never read from the server (e.g. opened offline): its version is unknown, not 0.
  const known = stream.fetchedAt !== null;
  const head = known ? streamHead(stream.currentStreamVersion, outbox, store, streamId) : null;
  const shown = useMemo(() => (order === 'desc' ? [...stream.events].reverse() : stream.events), [stream.events, order]);

  // The stream at a position (a link from the inspector): open that event once it is loaded.
  useEffect(() => {
    if (at === undefined) return;
    const event = stream.events.find((candidate) => candidate.streamPosition === at);
    if (event) setInspected((current) => current ?? event);
  }, [at, stream.events]);

  // Whenever one of this stream's appends lands, read what the server now has; the store's lists and charts are out of date too.
  useEffect(() => {
    if (syncedCount === 0) return;
    client.readStream(store, streamId).catch(() => undefined);
    void queryClient.invalidateQueries(trpc.eventStores.pathFilter());
    void queryClient.invalidateQueries(trpc.streams.list.pathFilter());
    void queryClient.invalidateQueries(trpc.stats.pathFilter());
  }, [client, queryClient, trpc, store, streamId, syncedCount]);

  // A new key (here or in another tab): read again, so an error of the refused key does not stay.
  const apiKey = session.apiKey;
  const firstKey = useRef(apiKey);
  useEffect(() => {
    if (firstKey.current === apiKey) return;
    firstKey.current = apiKey;
    client.readStream(store, streamId).catch(() => undefined);
  }, [apiKey, client, store, streamId]);

  const tailState = useLiveTail(tail, client, store, streamId, stream.currentStreamVersion);
  const readRefused = stream.error instanceof ReadError && stream.error.kind === 'auth';
  useEffect(() => {
    if (readRefused) reportKeyRefused();
  }, [readRefused]);

  const cacheState = stream.revalidating
    ? 'Loading from the server…'
    : !known
      ? stream.error || !status.online
        ? 'Not loaded while offline: this stream was never loaded in this browser, so its version is unknown.'
        : 'Not loaded yet.'
      : `Loaded ${formatAge(now - stream.fetchedAt!)}${stream.error ? ' — showing the cached copy' : ''}`;

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
            <dd data-testid="stream-version">{known ? stream.currentStreamVersion : 'unknown'}</dd>
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
          {tail ? <span className="muted" data-testid="tail-state">{tailState === 'live' ? 'following new events' : 'reconnecting, polling meanwhile'}</span> : null}
          <span className="toggle">
            <input
              id={orderId}
              type="checkbox"
              checked={order === 'desc'}
              onChange={(event) => {
                const next = event.target.checked ? 'desc' : 'asc';
                localStorage.setItem(ORDER_KEY, next);
                setOrder(next);
              }}
            />
            <label htmlFor={orderId}>Newest first</label>
          </span>
        </div>
      </header>
      {stream.error && known ? (
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
          {known || stream.events.length > 0 ? (
            <EventList events={shown} label={`Events of ${streamId}`} order={order} follow={tail} highlight={at} onInspect={setInspected} />
          ) : (
            <p className="empty" data-testid="stream-not-loaded">
              {status.online ? 'Loading…' : 'Not loaded while offline: the events and the version of this stream are unknown here.'}
            </p>
          )}
        </div>
        <aside className="stream-side">
          {inspected ? <EventInspector store={store} event={inspected} onClose={() => setInspected(null)} /> : null}
          <AppendForm store={store} streamId={streamId} head={head} />
        </aside>
      </div>
    </section>
  );
}
