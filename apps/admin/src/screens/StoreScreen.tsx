import { useId, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { streamIdSchema, streamTypeSchema } from '@eventlane/contracts';
import { useSignedIn } from '../appContext';
import { Link } from '../components/Link';
import { QueryError } from '../components/QueryState';
import { StoreCharts } from '../components/StoreCharts';
import { StoreTabs } from '../components/StoreTabs';
import { formatTime } from '../format';
import { hrefOf, navigate } from '../router';
import { ApiError, type StreamQuery } from '../api/adminApi';
import { Pager } from './StoresScreen';

const PAGE = 25;

export function StoreScreen({ store }: { store: string }) {
  const { api } = useSignedIn();
  const details = useQuery({ queryKey: ['store', store], queryFn: () => api.getStore(store) });
  const stats = details.data?.statistics;
  return (
    <section aria-labelledby="store-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={{ name: 'stores' }}>Stores</Link> / <span>{store}</span>
      </nav>
      <header className="screen-header">
        <h1 id="store-title">{store}</h1>
        <StoreTabs store={store} current="store" />
        {details.data?.description ? <p>{details.data.description}</p> : null}
        <dl className="facts">
          <div>
            <dt>Streams</dt>
            <dd>{stats?.totalStreams ?? '—'}</dd>
          </div>
          <div>
            <dt>Events</dt>
            <dd>{stats?.totalEvents ?? '—'}</dd>
          </div>
          <div>
            <dt>Oldest event</dt>
            <dd>{formatTime(stats?.oldestEventTimestamp)}</dd>
          </div>
          <div>
            <dt>Newest event</dt>
            <dd>{formatTime(stats?.newestEventTimestamp)}</dd>
          </div>
        </dl>
      </header>
      {details.error instanceof ApiError && details.error.status === 404 ? (
        <p className="empty">This store does not exist yet: the first append to one of its streams creates it.</p>
      ) : (
        <QueryError error={details.error} what="store details" hasData={!!details.data} />
      )}
      <OpenStreamForm store={store} />
      <StreamsTable store={store} />
      <StoreCharts store={store} />
    </section>
  );
}

function OpenStreamForm({ store }: { store: string }) {
  const id = useId();
  const [streamId, setStreamId] = useState('');
  const [error, setError] = useState<string | null>(null);
  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = streamIdSchema.safeParse(streamId.trim());
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'Invalid stream id');
      return;
    }
    navigate(hrefOf({ name: 'stream', store, streamId: parsed.data }));
  }
  return (
    <form className="inline-form" onSubmit={submit} noValidate aria-label="Open or start a stream">
      <label htmlFor={`${id}-stream`}>Stream id to open or start</label>
      <input
        id={`${id}-stream`}
        value={streamId}
        onChange={(event) => setStreamId(event.target.value)}
        placeholder="order-42"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <button type="submit">Open stream</button>
      {error ? (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      ) : null}
    </form>
  );
}

function StreamsTable({ store }: { store: string }) {
  const { api } = useSignedIn();
  const id = useId();
  const [typeInput, setTypeInput] = useState('');
  const [prefixInput, setPrefixInput] = useState('');
  const [filterError, setFilterError] = useState<string | null>(null);
  const [query, setQuery] = useState<StreamQuery>({ limit: PAGE, offset: 0, sortBy: 'updatedAt', sortDirection: 'desc' });
  const streams = useQuery({ queryKey: ['streams', store, query], queryFn: () => api.listStreams(store, query), placeholderData: keepPreviousData });

  function applyFilters(event: FormEvent) {
    event.preventDefault();
    const type = typeInput.trim();
    const prefix = prefixInput.trim();
    if (type && !streamTypeSchema.safeParse(type).success) return setFilterError('Stream type: letters, digits, . and @ only (the part of an id before -, _ or :)');
    if (prefix && !/^[A-Za-z0-9_.:@-]+$/.test(prefix)) return setFilterError('Id prefix: stream-id characters only (A–Z, a–z, 0–9, _ . : @ -)');
    setFilterError(null);
    setQuery((current) => ({ ...current, offset: 0, streamType: type || undefined, idPrefix: prefix || undefined }));
  }

  const list = streams.data?.streams ?? [];
  return (
    <section aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Streams</h2>
      <form className="filters" onSubmit={applyFilters} noValidate aria-label="Filter streams">
        <div>
          <label htmlFor={`${id}-type`}>Stream type</label>
          <input id={`${id}-type`} value={typeInput} onChange={(event) => setTypeInput(event.target.value)} placeholder="order" />
        </div>
        <div>
          <label htmlFor={`${id}-prefix`}>Id starts with</label>
          <input id={`${id}-prefix`} value={prefixInput} onChange={(event) => setPrefixInput(event.target.value)} placeholder="order-4" />
        </div>
        <div>
          <label htmlFor={`${id}-sort`}>Sort by</label>
          <select
            id={`${id}-sort`}
            value={`${query.sortBy}:${query.sortDirection}`}
            onChange={(event) => {
              const [sortBy, sortDirection] = event.target.value.split(':') as [StreamQuery['sortBy'], StreamQuery['sortDirection']];
              setQuery((current) => ({ ...current, offset: 0, sortBy, sortDirection }));
            }}
          >
            <option value="updatedAt:desc">Last event, newest first</option>
            <option value="updatedAt:asc">Last event, oldest first</option>
            <option value="streamId:asc">Stream id, A–Z</option>
            <option value="streamId:desc">Stream id, Z–A</option>
            <option value="createdAt:desc">Created, newest first</option>
          </select>
        </div>
        <button type="submit">Filter</button>
        {filterError ? (
          <p className="field-error" role="alert">
            {filterError}
          </p>
        ) : null}
      </form>
      <QueryError error={streams.error} what="streams" hasData={!!streams.data} />
      {streams.isPending ? <p className="muted">Loading streams…</p> : null}
      {streams.data && list.length === 0 ? (
        <p className="empty">{query.streamType || query.idPrefix ? 'No stream matches these filters.' : 'No streams in this store yet. Open a new stream above and append to it.'}</p>
      ) : null}
      {list.length > 0 ? (
        <table className="table">
          <caption className="sr-only">Streams of {store}</caption>
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Type</th>
              <th scope="col">Version</th>
              <th scope="col">Last event</th>
            </tr>
          </thead>
          <tbody>
            {list.map((stream) => (
              <tr key={stream.streamId}>
                <td>
                  <Link to={{ name: 'stream', store, streamId: stream.streamId }}>{stream.streamId}</Link>
                </td>
                <td>{stream.streamType}</td>
                <td>{stream.streamVersion}</td>
                <td>{formatTime(stream.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager
        offset={query.offset}
        pageSize={PAGE}
        count={list.length}
        total={streams.data?.pagination.total}
        hasMore={streams.data?.pagination.hasMore ?? false}
        onChange={(offset) => setQuery((current) => ({ ...current, offset }))}
        label="streams"
      />
    </section>
  );
}
