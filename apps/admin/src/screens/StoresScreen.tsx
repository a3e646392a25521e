import { useId, useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { eventStoreNameSchema } from '@eventlane/contracts';
import { useTRPC } from '../api/trpc';
import { Link } from '../components/Link';
import { QueryStatus } from '../components/QueryState';
import { formatTime } from '../format';
import { navigate, hrefOf } from '../router';

const PAGE = 20;

export function StoresScreen() {
  const trpc = useTRPC();
  const [offset, setOffset] = useState(0);
  const stores = useQuery({ ...trpc.eventStores.list.queryOptions({ limit: PAGE, offset }), placeholderData: keepPreviousData });
  const list = stores.data?.eventStores ?? [];
  const total = stores.data?.pagination.total;
  // One statistics read per store on the page (the storage keeps them as counters).
  const details = useQueries({ queries: list.map((store) => trpc.eventStores.get.queryOptions({ eventStoreName: store.eventStoreName })) });
  return (
    <section aria-labelledby="stores-title">
      <header className="screen-header">
        <h1 id="stores-title">Event stores</h1>
      </header>
      <div className="two-columns">
        <div>
          <QueryStatus query={stores} what="stores" />
          {stores.data && list.length === 0 ? <p className="empty">No event stores yet. Create one, or append to a new store name: the first append creates it.</p> : null}
          {list.length > 0 ? (
            <table className="table cards">
              <caption className="sr-only">Event stores</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col" className="number">Streams</th>
                  <th scope="col" className="number">Events</th>
                  <th scope="col">Newest event</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.map((store, index) => {
                  const statistics = details[index]?.data?.statistics;
                  const unknown = details[index]?.error ? 'unknown' : '…';
                  return (
                    <tr key={store.eventStoreName} data-testid="store-row">
                      <td data-label="Name">
                        <Link to={{ name: 'store', store: store.eventStoreName }}>{store.eventStoreName}</Link>
                      </td>
                      <td data-label="Description">{store.description ?? <span className="muted">—</span>}</td>
                      <td data-label="Streams" className="number" data-testid="store-streams">
                        {statistics ? statistics.totalStreams.toLocaleString() : unknown}
                      </td>
                      <td data-label="Events" className="number" data-testid="store-events">
                        {statistics ? statistics.totalEvents.toLocaleString() : unknown}
                      </td>
                      <td data-label="Newest event">{statistics ? (statistics.newestEventTimestamp ? formatTime(statistics.newestEventTimestamp) : 'none yet') : unknown}</td>
                      <td data-label="Created">{formatTime(store.created)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          ) : null}
          <Pager offset={offset} pageSize={PAGE} count={list.length} total={total} hasMore={stores.data?.pagination.hasMore ?? false} onChange={setOffset} label="stores" />
        </div>
        <CreateStoreForm />
      </div>
    </section>
  );
}

function CreateStoreForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const create = useMutation(
    trpc.eventStores.create.mutationOptions({
      onSuccess: async (created) => {
        await queryClient.invalidateQueries(trpc.eventStores.list.pathFilter());
        navigate(hrefOf({ name: 'store', store: created.eventStoreName }));
      },
    }),
  );
  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = eventStoreNameSchema.safeParse(name);
    setNameError(parsed.success ? null : (parsed.error.issues[0]?.message ?? 'Invalid name'));
    if (parsed.success) create.mutate({ name, ...(description.trim() ? { description: description.trim() } : {}) });
  }
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Create a store</h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        value={name}
        onChange={(event) => setName(event.target.value)}
        aria-invalid={nameError ? true : undefined}
        aria-describedby={`${id}-name-hint${nameError ? ` ${id}-name-error` : ''}`}
        placeholder="orders"
      />
      <p id={`${id}-name-hint`} className="hint">
        3–63 characters: lowercase letters, digits, - and _.
      </p>
      {nameError ? (
        <p id={`${id}-name-error`} className="field-error">
          {nameError}
        </p>
      ) : null}
      <label htmlFor={`${id}-description`}>Description (optional)</label>
      <input id={`${id}-description`} value={description} onChange={(event) => setDescription(event.target.value)} />
      {create.error ? (
        <p role="alert" className="error">
          {create.error.message}
        </p>
      ) : null}
      <button type="submit" disabled={create.isPending}>
        Create store
      </button>
    </form>
  );
}

export function Pager(props: { offset: number; pageSize: number; count: number; total: number | undefined; hasMore: boolean; onChange(offset: number): void; label: string }) {
  const { offset, pageSize, count, total, hasMore, onChange, label } = props;
  if (offset === 0 && !hasMore) return null;
  return (
    <nav className="pager" aria-label={`Pages of ${label}`}>
      <button type="button" className="secondary" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - pageSize))}>
        Previous
      </button>
      <span>
        {count === 0 ? 0 : offset + 1}–{offset + count}
        {total !== undefined ? ` of ${total}` : ''}
      </span>
      <button type="button" className="secondary" disabled={!hasMore} onClick={() => onChange(offset + pageSize)}>
        Next
      </button>
    </nav>
  );
}
