import { useId, useState, type FormEvent } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { eventStoreNameSchema } from '@eventlane/contracts';
import { useSignedIn } from '../appContext';
import { Link } from '../components/Link';
import { QueryError } from '../components/QueryState';
import { formatTime } from '../format';
import { navigate, hrefOf } from '../router';

const PAGE = 20;

export function StoresScreen() {
  const { api } = useSignedIn();
  const [offset, setOffset] = useState(0);
  const stores = useQuery({ queryKey: ['stores', offset], queryFn: () => api.listStores({ limit: PAGE, offset }), placeholderData: keepPreviousData });
  const list = stores.data?.eventStores ?? [];
  const total = stores.data?.pagination.total;
  return (
    <section aria-labelledby="stores-title">
      <header className="screen-header">
        <h1 id="stores-title">Event stores</h1>
      </header>
      <div className="two-columns">
        <div>
          <QueryError error={stores.error} what="stores" hasData={!!stores.data} />
          {stores.isPending ? <p className="muted">Loading stores…</p> : null}
          {stores.data && list.length === 0 ? <p className="empty">No event stores yet. Create one, or append to a new store name: the first append creates it.</p> : null}
          {list.length > 0 ? (
            <table className="table">
              <caption className="sr-only">Event stores</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.map((store) => (
                  <tr key={store.eventStoreName}>
                    <td>
                      <Link to={{ name: 'store', store: store.eventStoreName }}>{store.eventStoreName}</Link>
                    </td>
                    <td>{store.description ?? <span className="muted">—</span>}</td>
                    <td>{formatTime(store.created)}</td>
                  </tr>
                ))}
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
  const { api } = useSignedIn();
  const queryClient = useQueryClient();
  const id = useId();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [nameError, setNameError] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api.createStore({ name, ...(description.trim() ? { description: description.trim() } : {}) }),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ['stores'] });
      navigate(hrefOf({ name: 'store', store: created.eventStoreName }));
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = eventStoreNameSchema.safeParse(name);
    setNameError(parsed.success ? null : (parsed.error.issues[0]?.message ?? 'Invalid name'));
    if (parsed.success) create.mutate();
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
          {(create.error as Error).message}
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
