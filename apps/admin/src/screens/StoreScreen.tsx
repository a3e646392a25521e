import { useId, useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { streamIdSchema, streamTypeSchema } from '@eventlane/contracts';
import { isNotFound, useTRPC } from '../api/trpc';
import { Link } from '../components/Link';
import { QueryStatus, nothingCached } from '../components/QueryState';
import { StoreCharts } from '../components/StoreCharts';
import { StoreTabs } from '../components/StoreTabs';
import { formatTime } from '../format';
import { hrefOf, navigate } from '../router';
import { Pager } from './StoresScreen';

const PAGE = 25;

interface StreamQuery {
  streamType?: string;
  idPrefix?: string;
  limit: number;
  offset: number;
  sortBy: 'streamId' | 'createdAt' | 'updatedAt';
  sortDirection: 'asc' | 'desc';
}

export function StoreScreen({ store }: { store: string }) {
  const trpc = useTRPC();
  const details = useQuery(trpc.eventStores.get.queryOptions({ eventStoreName: store }));
  const stats = details.data?.statistics;
  const missing = isNotFound(details.error);
  const never = nothingCached(details);
  const fact = (value: string | number | undefined) => value ?? (never ? 'unknown' : '…');
  return (
    <section aria-labelledby="store-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={{ name: 'stores' }}>Stores</Link> / <span>{store}</span>
      </nav>
      <header className="screen-header">
        <h1 id="store-title">{store}</h1>
        <StoreTabs store={store} current="store" />
        {details.data?.description ? <p>{details.data.description}</p> : null}
        {missing ? null : (
          <dl className="facts">
            <div>
              <dt>Streams</dt>
              <dd data-testid="store-streams">{fact(stats?.totalStreams.toLocaleString())}</dd>
            </div>
            <div>
              <dt>Events</dt>
              <dd data-testid="store-events">{fact(stats?.totalEvents.toLocaleString())}</dd>
            </div>
            <div>
              <dt>Oldest event</dt>
              <dd>{stats ? formatTime(stats.oldestEventTimestamp) : fact(undefined)}</dd>
            </div>
            <div>
              <dt>Newest event</dt>
              <dd>{stats ? formatTime(stats.newestEventTimestamp) : fact(undefined)}</dd>
            </div>
          </dl>
        )}
        <div className="actions">
          <Link to={{ name: 'events', store }} className="button-link">
            Explore events
          </Link>
        </div>
      </header>
      {missing ? (
        <p className="empty">This store does not exist yet: the first append to one of its streams creates it.</p>
      ) : (
        <QueryStatus query={details} what="store details" />
      )}
      <OpenStreamForm store={store} />
      <StreamsTable store={store} />
      <StoreCharts store={store} />
      {details.data ? <DeleteStore store={store} /> : null}
    </section>
  );
}

/** Deleting a store takes its name typed again: it deletes every stream and event in it. */
function DeleteStore({ store }: { store: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [typed, setTyped] = useState('');
  const remove = useMutation(
    trpc.eventStores.delete.mutationOptions({
      onSuccess: async () => {
        queryClient.removeQueries({ predicate: (query) => JSON.stringify(query.queryKey).includes(`"eventStoreName":"${store}"`) });
        await queryClient.invalidateQueries(trpc.eventStores.list.pathFilter());
        navigate(hrefOf({ name: 'stores' }));
      },
    }),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    if (typed === store) remove.mutate({ eventStoreName: store, confirm: true });
  }
  return (
    <section className="danger-zone card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Delete this store</h2>
      <p>
        Deletes <strong>{store}</strong> with all its streams and events, for every client. It cannot be undone.
      </p>
      <form onSubmit={submit} noValidate className="inline-form">
        <label htmlFor={`${id}-name`}>
          Type <code>{store}</code> to confirm
        </label>
        <input id={`${id}-name`} value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" spellCheck={false} />
        <button type="submit" className="danger" disabled={typed !== store || remove.isPending}>
          Delete store
        </button>
      </form>
      {remove.error ? (
        <p role="alert" className="error">
          The store was not deleted: {remove.error.message}
        </p>
      ) : null}
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
  const trpc = useTRPC();
  const id = useId();
  const [typeInput, setTypeInput] = useState('');
  const [prefixInput, setPrefixInput] = useState('');
  const [filterError, setFilterError] = useState<string | null>(null);
  const [query, setQuery] = useState<StreamQuery>({ limit: PAGE, offset: 0, sortBy: 'updatedAt', sortDirection: 'desc' });
  const streams = useQuery({
    ...trpc.streams.list.queryOptions({
      eventStoreName: store,
      streamType: query.streamType,
      // The id filter is a prefix; the procedure takes a glob.
      streamIdPattern: query.idPrefix ? `${query.idPrefix}*` : undefined,
      limit: query.limit,
      offset: query.offset,
      sortBy: query.sortBy,
      sortDirection: query.sortDirection,
      includeCount: true,
    }),
    placeholderData: keepPreviousData,
  });

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
      <QueryStatus query={streams} what="streams" />
      {streams.data && list.length === 0 ? (
        <p className="empty">{query.streamType || query.idPrefix ? 'No stream matches these filters.' : 'No streams in this store yet. Open a new stream above and append to it.'}</p>
      ) : null}
      {list.length > 0 ? (
        <table className="table cards">
          <caption className="sr-only">Streams of {store}</caption>
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Type</th>
              <th scope="col" className="number">Version</th>
              <th scope="col">Last event</th>
            </tr>
          </thead>
          <tbody>
            {list.map((stream) => (
              <tr key={stream.streamId}>
                <td data-label="Stream">
                  <Link to={{ name: 'stream', store, streamId: stream.streamId }}>{stream.streamId}</Link>
                </td>
                <td data-label="Type">{stream.streamType}</td>
                <td data-label="Version" className="number">{stream.streamVersion}</td>
                <td data-label="Last event">{formatTime(stream.updatedAt)}</td>
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
