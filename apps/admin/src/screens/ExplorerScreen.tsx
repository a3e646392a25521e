import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  compileEventFilter,
  eventTypeFilterSchema,
  exactStreamId,
  globalEventSchema,
  metadataKeySchema,
  streamIdPatternSchema,
  streamTypeSchema,
  type GlobalEvent,
} from '@eventlane/contracts';
import { useTRPC, useTRPCClient } from '../api/trpc';
import { EventInspector } from '../components/EventInspector';
import { Link } from '../components/Link';
import { QueryStatus } from '../components/QueryState';
import { useFollow } from '../components/useFollow';
import { formatTime } from '../format';
import { replaceSearch, useSearchParams } from '../router';

const ROW_HEIGHT = 34;
const PAGE = 200;
/** Pages scanned in a row without a match before the explorer stops and asks (each examines up to 10,000 events). */
const EMPTY_SCANS_BEFORE_ASKING = 10;
/** Live events kept above the loaded pages while following, before the list is read afresh. */
const MAX_LIVE = 5_000;

/** The explorer's state, all of it in the URL so that a view can be shared. */
interface Filters {
  types: string[];
  streamType: string;
  stream: string;
  from: string;
  to: string;
  meta: string;
  value: string;
  tx: string;
  order: 'asc' | 'desc';
  at: number | undefined;
  follow: boolean;
}

function readFilters(params: URLSearchParams): Filters {
  const at = params.get('at');
  return {
    types: params.getAll('type').filter(Boolean),
    streamType: params.get('streamType') ?? '',
    stream: params.get('stream') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    meta: params.get('meta') ?? '',
    value: params.get('value') ?? '',
    tx: params.get('tx') ?? '',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    at: at !== null && /^\d+$/.test(at) ? Number(at) : undefined,
    follow: params.get('follow') === '1',
  };
}

function writeFilters(filters: Filters, event: string | null): URLSearchParams {
  const params = new URLSearchParams();
  for (const type of filters.types) params.append('type', type);
  const set = (key: string, value: string) => value && params.set(key, value);
  set('streamType', filters.streamType);
  set('stream', filters.stream);
  set('from', filters.from);
  set('to', filters.to);
  set('meta', filters.meta);
  set('value', filters.value);
  set('tx', filters.tx);
  if (filters.order === 'asc') params.set('order', 'asc');
  if (filters.at !== undefined) params.set('at', String(filters.at));
  if (filters.follow) params.set('follow', '1');
  if (event !== null) params.set('event', event);
  return params;
}

/** `2026-01-31T12:00` (a datetime-local input, local time) ⇄ an ISO instant. */
const toLocalInput = (iso: string) => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
};
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : '');

/**
 * The store-wide event explorer (`/stores/:name/events`): the store's global order, filtered on
 * the server (`events.search`, a bounded scan that says where it stopped), newest or oldest
 * first, with a jump to a global position, a "follow" mode on the store's live tail, and an
 * inspector. Rows have one fixed height and only those in view are rendered, so the list costs the
 * same at a million events as at a hundred; pages load as the reader scrolls.
 */
export function ExplorerScreen({ store }: { store: string }) {
  const trpc = useTRPC();
  const api = useTRPCClient();
  const params = useSearchParams();
  const search = params.toString();
  const filters = useMemo(() => readFilters(new URLSearchParams(search)), [search]);
  const selected = new URLSearchParams(search).get('event');
  const setUrl = useCallback((next: Filters, event: string | null = null) => replaceSearch(writeFilters(next, event)), []);

  const input = useMemo(
    () => ({
      eventStoreName: store,
      ...(filters.types.length > 0 ? { type: filters.types } : {}),
      ...(filters.streamType ? { streamType: filters.streamType } : {}),
      ...(filters.stream ? { streamIdPattern: filters.stream } : {}),
      ...(filters.from ? { createdFrom: filters.from } : {}),
      ...(filters.to ? { createdTo: filters.to } : {}),
      ...(filters.meta ? { metadataKey: filters.meta } : {}),
      ...(filters.value ? { metadataValue: filters.value } : {}),
      ...(filters.tx ? { transactionId: filters.tx } : {}),
      sortDirection: filters.order,
    }),
    [store, filters],
  );
  const results = useInfiniteQuery({
    queryKey: [...trpc.events.search.queryKey(input), { at: filters.at ?? null, explorer: true }],
    queryFn: ({ pageParam, signal }) => api.events.search.query({ ...input, limit: PAGE, ...(pageParam !== undefined ? { position: pageParam } : {}) }, { signal }),
    initialPageParam: filters.at as number | undefined,
    getNextPageParam: (last) => last.scan.nextPosition ?? undefined,
    // Pages of a whole store are not kept in localStorage for offline use.
    meta: { persist: false },
  });
  const pages = results.data?.pages;
  const headPosition = pages?.[0]?.scan.headPosition ?? null;
  const loaded = useMemo(() => pages?.flatMap((page) => page.events) ?? [], [pages]);
  const examined = pages?.reduce((sum, page) => sum + page.scan.examined, 0) ?? 0;
  const lastPosition = pages?.[pages.length - 1]?.scan.nextPosition ?? null;

  // Follow: the store's live tail, from the head the first page saw, filtered like the list.
  const canFollow = filters.order === 'desc' && filters.at === undefined;
  const following = filters.follow && canFollow && headPosition !== null;
  const [live, setLive] = useState<GlobalEvent[]>([]);
  const matches = useMemo(
    () =>
      compileEventFilter({
        types: filters.types,
        streamType: filters.streamType || undefined,
        streamIdPattern: filters.stream || undefined,
        createdFrom: filters.from || undefined,
        createdTo: filters.to || undefined,
        metadataKey: filters.meta || undefined,
        metadataValue: filters.value || undefined,
        transactionId: filters.tx || undefined,
      }),
    [filters],
  );
  // New pages from the server already hold what the tail had brought.
  useEffect(() => setLive((current) => (headPosition === null ? [] : current.filter((event) => event.globalPosition > headPosition))), [headPosition]);
  useEffect(() => setLive([]), [search]);
  const { refetch } = results;
  useSubscription(
    trpc.events.tail.subscriptionOptions(
      {
        eventStoreName: store,
        fromPosition: (headPosition ?? -1) + 1,
        ...(filters.types.length > 0 ? { type: filters.types } : {}),
        ...(exactStreamId(filters.stream || undefined) ? { streamId: filters.stream } : {}),
      },
      {
        enabled: following,
        onData: (tracked) => {
          const parsed = globalEventSchema.safeParse(tracked.data);
          if (!parsed.success || !matches(parsed.data)) return;
          const event = parsed.data;
          setLive((current) => {
            if (current.some((known) => known.globalPosition === event.globalPosition)) return current;
            if (current.length >= MAX_LIVE) {
              void refetch();
              return current;
            }
            return [event, ...current];
          });
        },
      },
    ),
  );
  const rows = useMemo(() => (live.length > 0 ? [...live, ...loaded] : loaded), [live, loaded]);

  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    getItemKey: (index) => rows[index]?.eventId ?? index,
  });
  const toEdge = useCallback(() => {
    if (parentRef.current) parentRef.current.scrollTop = 0;
  }, []);
  const { newCount, showNewest } = useFollow({
    scroller: parentRef,
    count: live.length,
    edge: 'start',
    follow: following,
    toEdge,
    keepPlace: (added) => {
      if (parentRef.current) parentRef.current.scrollTop += added * ROW_HEIGHT;
    },
  });

  // Load the next page as the reader nears the end; a scan that finds nothing goes on by itself a few times, then asks.
  const emptyScans = useRef(0);
  const [askToContinue, setAskToContinue] = useState(false);
  useEffect(() => {
    emptyScans.current = 0;
    setAskToContinue(false);
  }, [search]);
  const lastPage = pages?.[pages.length - 1];
  useEffect(() => {
    if (!lastPage) return;
    emptyScans.current = lastPage.events.length === 0 ? emptyScans.current + 1 : 0;
    if (emptyScans.current >= EMPTY_SCANS_BEFORE_ASKING) setAskToContinue(true);
  }, [lastPage]);
  const virtualItems = virtualizer.getVirtualItems();
  const lastVisible = virtualItems[virtualItems.length - 1]?.index ?? -1;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = results;
  useEffect(() => {
    if (!hasNextPage || isFetchingNextPage || askToContinue) return;
    if (lastVisible >= rows.length - 20) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, askToContinue, lastVisible, rows.length, fetchNextPage]);

  const selectedEvent = selected === null ? undefined : rows.find((event) => String(event.globalPosition) === selected);
  const fetchedSelected = useQuery({
    queryKey: [...trpc.events.search.queryKey({ eventStoreName: store, position: Number(selected) }), 'one'],
    queryFn: () => api.events.search.query({ eventStoreName: store, position: Number(selected), limit: 1, sortDirection: 'desc' }),
    enabled: selected !== null && /^\d+$/.test(selected) && selectedEvent === undefined && !results.isPending,
    meta: { persist: false },
  });
  const inspected = selectedEvent ?? fetchedSelected.data?.events.find((event) => String(event.globalPosition) === selected);

  const id = useId();
  return (
    <section aria-labelledby={`${id}-title`} className="explorer">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={{ name: 'stores' }}>Stores</Link> / <Link to={{ name: 'store', store }}>{store}</Link> / <span>Events</span>
      </nav>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Events of {store}</h1>
        <p className="muted">The store&apos;s global order. Filters run on the server; the link of this page keeps them.</p>
      </header>
      <FilterForm key={search} store={store} filters={filters} onApply={(next) => setUrl(next)} />
      <div className="explorer-bar">
        <label className="toggle">
          <input
            type="checkbox"
            checked={filters.order === 'desc'}
            onChange={(event) => setUrl({ ...filters, order: event.target.checked ? 'desc' : 'asc', at: undefined, follow: false })}
          />
          Newest first
        </label>
        <label className="toggle" title={canFollow ? undefined : 'Follow shows the newest events: it needs newest first and no jump'}>
          <input type="checkbox" checked={following || (filters.follow && canFollow)} disabled={!canFollow} onChange={(event) => setUrl({ ...filters, follow: event.target.checked })} />
          Follow new events
        </label>
        <JumpForm
          onJump={(position) => setUrl({ ...filters, at: position, follow: false }, String(position))}
          current={filters.at}
          onClear={() => setUrl({ ...filters, at: undefined })}
        />
      </div>
      <p className="muted" data-testid="explorer-summary" role="status">
        {results.data
          ? `${rows.length.toLocaleString()} matching event${rows.length === 1 ? '' : 's'} shown · ${examined.toLocaleString()} examined` +
            (headPosition !== null ? ` · store head at position ${headPosition.toLocaleString()}` : '') +
            (results.hasNextPage ? '' : filters.order === 'desc' ? ' · reached the oldest event' : ' · reached the newest event')
          : ''}
      </p>
      <QueryStatus query={results} what="events" />
      <div className="explorer-layout">
        <div className="explorer-main">
          {newCount > 0 ? (
            <button type="button" className="new-events" onClick={showNewest} data-testid="new-events">
              {newCount} new event{newCount === 1 ? '' : 's'} ↑
            </button>
          ) : null}
          {results.data && rows.length === 0 && !results.hasNextPage ? <p className="empty">No event matches these filters.</p> : null}
          <div ref={parentRef} className="explorer-list" role="region" aria-label={`Events of ${store}`} tabIndex={0} data-testid="explorer-list">
            <ol style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
              {virtualItems.map((item) => {
                const event = rows[item.index]!;
                const isSelected = String(event.globalPosition) === selected;
                return (
                  <li
                    key={item.key}
                    className={`explorer-row${isSelected ? ' selected' : ''}`}
                    style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                    data-testid="explorer-row"
                    data-position={event.globalPosition}
                  >
                    <button type="button" onClick={() => setUrl(filters, String(event.globalPosition))} aria-pressed={isSelected} aria-label={`Event ${event.globalPosition}: ${event.type} on ${event.streamId}`}>
                      <span className="col-position">{event.globalPosition}</span>
                      <span className="col-time">{formatTime(event.createdAt)}</span>
                      <span className="col-type">{event.type}</span>
                      <span className="col-stream">{event.streamId}</span>
                      <span className="col-data">{JSON.stringify(event.data)}</span>
                    </button>
                  </li>
                );
              })}
            </ol>
            {results.isFetchingNextPage ? <p className="muted loading-more">Loading more…</p> : null}
          </div>
          {askToContinue && results.hasNextPage ? (
            <p className="warn-text" data-testid="scan-paused">
              Examined {examined.toLocaleString()} events{lastPosition !== null ? ` down to position ${lastPosition.toLocaleString()}` : ''} without more matches.{' '}
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  emptyScans.current = 0;
                  setAskToContinue(false);
                }}
              >
                Keep searching
              </button>
            </p>
          ) : null}
        </div>
        {selected !== null ? (
          <div className="explorer-side">
            {inspected ? (
              <EventInspector store={store} event={inspected} onClose={() => setUrl(filters)} />
            ) : fetchedSelected.isFetching || results.isPending ? (
              <p className="muted">Loading event {selected}…</p>
            ) : (
              <p className="empty">No event at global position {selected}.</p>
            )}
          </div>
        ) : null}
      </div>
    </section>
  );
}

function JumpForm({ onJump, onClear, current }: { onJump(position: number): void; onClear(): void; current: number | undefined }) {
  const id = useId();
  const [text, setText] = useState(current === undefined ? '' : String(current));
  const [error, setError] = useState<string | null>(null);
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!/^\d+$/.test(text.trim())) return setError('A global position is a whole number, 0 or more');
    setError(null);
    onJump(Number(text.trim()));
  }
  return (
    <form className="jump" onSubmit={submit} noValidate aria-label="Jump">
      <label htmlFor={`${id}-position`}>Global position</label>
      <input id={`${id}-position`} inputMode="numeric" value={text} onChange={(event) => setText(event.target.value)} aria-invalid={error ? true : undefined} />
      <button type="submit">Go</button>
      {current !== undefined ? (
        <button type="button" className="secondary" onClick={onClear}>
          Back to the newest
        </button>
      ) : null}
      {error ? <span className="field-error">{error}</span> : null}
    </form>
  );
}

/** The filters as typed; applied (written to the URL) on submit. Each is checked with the server's own schema first. */
function FilterForm({ store, filters, onApply }: { store: string; filters: Filters; onApply(next: Filters): void }) {
  const trpc = useTRPC();
  const id = useId();
  const counts = useQuery(trpc.stats.eventCountsByType.queryOptions({ eventStoreName: store }));
  const known = [...new Set([...(counts.data?.counts.map((row) => row.type) ?? []), ...filters.types])].sort();
  const [types, setTypes] = useState<string[]>(filters.types);
  const [streamType, setStreamType] = useState(filters.streamType);
  const [stream, setStream] = useState(filters.stream);
  const [from, setFrom] = useState(toLocalInput(filters.from));
  const [to, setTo] = useState(toLocalInput(filters.to));
  const [meta, setMeta] = useState(filters.meta);
  const [value, setValue] = useState(filters.value);
  const [tx, setTx] = useState(filters.tx);
  const [error, setError] = useState<string | null>(null);

  function submit(event: FormEvent) {
    event.preventDefault();
    const problems: string[] = [];
    if (types.length > 0 && !eventTypeFilterSchema.safeParse(types).success) problems.push('Types: at most 100, each 1–256 characters');
    if (streamType && !streamTypeSchema.safeParse(streamType.trim()).success) problems.push('Stream type: letters, digits, . and @ only');
    if (stream && !streamIdPatternSchema.safeParse(stream.trim()).success) problems.push('Stream id: stream-id characters with * (any run) and ? (one character)');
    if (meta && !metadataKeySchema.safeParse(meta.trim()).success) problems.push('Metadata field: letters, digits and _ . $ @ -');
    if (from && to && new Date(from) > new Date(to)) problems.push('The time range ends before it starts');
    setError(problems.length > 0 ? problems.join('; ') : null);
    if (problems.length > 0) return;
    onApply({
      ...filters,
      types,
      streamType: streamType.trim(),
      stream: stream.trim(),
      from: fromLocalInput(from),
      to: fromLocalInput(to),
      meta: meta.trim(),
      value,
      tx: tx.trim(),
      at: undefined,
    });
  }
  function clear() {
    onApply({ ...filters, types: [], streamType: '', stream: '', from: '', to: '', meta: '', value: '', tx: '', at: undefined });
  }
  const active = filters.types.length + [filters.streamType, filters.stream, filters.from, filters.to, filters.meta, filters.value, filters.tx].filter(Boolean).length;

  return (
    <form className="filters explorer-filters" onSubmit={submit} noValidate aria-label="Filter events">
      <fieldset className="types-filter">
        <legend>Types{types.length > 0 ? ` (${types.length})` : ''}</legend>
        <div className="type-options">
          {known.length === 0 ? <span className="muted">No types yet</span> : null}
          {known.map((type) => (
            <label key={type} className="toggle">
              <input
                type="checkbox"
                checked={types.includes(type)}
                onChange={(event) => setTypes((current) => (event.target.checked ? [...current, type] : current.filter((t) => t !== type)))}
              />
              {type}
            </label>
          ))}
        </div>
      </fieldset>
      <div>
        <label htmlFor={`${id}-stream-type`}>Stream type</label>
        <input id={`${id}-stream-type`} value={streamType} onChange={(event) => setStreamType(event.target.value)} placeholder="order" />
      </div>
      <div>
        <label htmlFor={`${id}-stream`}>Stream id (glob)</label>
        <input id={`${id}-stream`} value={stream} onChange={(event) => setStream(event.target.value)} placeholder="order-4*" />
      </div>
      <div>
        <label htmlFor={`${id}-from`}>From</label>
        <input id={`${id}-from`} type="datetime-local" value={from} onChange={(event) => setFrom(event.target.value)} />
      </div>
      <div>
        <label htmlFor={`${id}-to`}>To (before)</label>
        <input id={`${id}-to`} type="datetime-local" value={to} onChange={(event) => setTo(event.target.value)} />
      </div>
      <div>
        <label htmlFor={`${id}-meta`}>Metadata field</label>
        <input id={`${id}-meta`} value={meta} onChange={(event) => setMeta(event.target.value)} placeholder="correlationId" />
      </div>
      <div>
        <label htmlFor={`${id}-value`}>equals</label>
        <input id={`${id}-value`} value={value} onChange={(event) => setValue(event.target.value)} placeholder={meta.trim() ? 'any value' : 'in any field'} />
      </div>
      <div>
        <label htmlFor={`${id}-tx`}>Transaction id</label>
        <input id={`${id}-tx`} value={tx} onChange={(event) => setTx(event.target.value)} />
      </div>
      <div className="filter-actions">
        <button type="submit">Apply filters</button>
        {active > 0 ? (
          <button type="button" className="secondary" onClick={clear}>
            Clear filters ({active})
          </button>
        ) : null}
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
