import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  createSubscriptionRequestSchema,
  MAX_SUBSCRIPTIONS_PER_STORE,
  type CreatedSubscription,
  type SubscriptionFromPosition,
  type SubscriptionResponse,
} from '@eventlane/contracts';
import { useTRPC } from '../api/trpc';
import { useSignedIn } from '../appContext';
import { Link } from '../components/Link';
import { OneTimeSecret } from '../components/OneTimeSecret';
import { QueryStatus } from '../components/QueryState';
import { StoreTabs } from '../components/StoreTabs';
import { formatTime } from '../format';

/**
 * Webhook subscriptions of a store (issue 12): list, create (the secret shown once), pause, resume,
 * replay, delete, deliveries; all through the typed `subscriptions.*` procedures.
 */
export function SubscriptionsScreen({ store }: { store: string }) {
  const { session } = useSignedIn();
  const trpc = useTRPC();
  const admin = session.scopes === null || session.scopes.includes('admin');
  const [openLog, setOpenLog] = useState<string | null>(null);
  // Status, lag and last delivery change by themselves: the list refreshes while the tab is open.
  const list = useQuery({ ...trpc.subscriptions.list.queryOptions({ eventStoreName: store, limit: MAX_SUBSCRIPTIONS_PER_STORE }), refetchInterval: 2000 });
  const subscriptions = list.data?.subscriptions ?? [];
  return (
    <section aria-labelledby="subscriptions-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={{ name: 'stores' }}>Stores</Link> / <Link to={{ name: 'store', store }}>{store}</Link> / <span>Subscriptions</span>
      </nav>
      <header className="screen-header">
        <h1 id="subscriptions-title">{store}</h1>
        <StoreTabs store={store} current="subscriptions" />
        <p className="muted">
          Webhooks: the store's events, pushed to an HTTP endpoint at least once and in global order, each request signed with the
          subscription's secret (<code>x-eventlane-signature</code>).
        </p>
      </header>
      <div className="two-columns">
        <div>
          <h2>Subscriptions</h2>
          <QueryStatus query={list} what="subscriptions" />
          {list.data && subscriptions.length === 0 ? <p className="empty">No subscriptions yet. Create one to push this store's events to a URL.</p> : null}
          {subscriptions.length > 0 ? (
            <table className="table">
              <caption className="sr-only">Webhook subscriptions of {store}</caption>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col">Lag</th>
                  <th scope="col">Last delivery</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {subscriptions.map((subscription) => (
                  <SubscriptionRow
                    key={subscription.subscriptionId}
                    store={store}
                    subscription={subscription}
                    admin={admin}
                    logOpen={openLog === subscription.subscriptionId}
                    onToggleLog={() => setOpenLog((current) => (current === subscription.subscriptionId ? null : subscription.subscriptionId))}
                  />
                ))}
              </tbody>
            </table>
          ) : null}
          {openLog && subscriptions.some((s) => s.subscriptionId === openLog) ? <DeliveriesLog store={store} subscriptionId={openLog} /> : null}
        </div>
        {admin ? <CreateSubscriptionForm store={store} /> : null}
      </div>
    </section>
  );
}

function filtersOf(subscription: SubscriptionResponse): string {
  const parts = [
    subscription.eventTypes ? `types ${subscription.eventTypes.join(', ')}` : 'every type',
    subscription.streamType ? `stream type ${subscription.streamType}` : null,
    subscription.streamIdPattern ? `streams ${subscription.streamIdPattern}` : null,
    `batches of ${subscription.batchSize}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

function SubscriptionRow({
  store,
  subscription,
  admin,
  logOpen,
  onToggleLog,
}: {
  store: string;
  subscription: SubscriptionResponse;
  admin: boolean;
  logOpen: boolean;
  onToggleLog: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = subscription.subscriptionId;
  const ref = { eventStoreName: store, subscriptionId: id };
  const [replayFrom, setReplayFrom] = useState<string | null>(null);
  const [replayProblem, setReplayProblem] = useState<string | null>(null);
  const refresh = { onSuccess: () => queryClient.invalidateQueries(trpc.subscriptions.list.pathFilter()) };
  const actions = {
    update: useMutation(trpc.subscriptions.update.mutationOptions(refresh)),
    replay: useMutation(trpc.subscriptions.replay.mutationOptions(refresh)),
    remove: useMutation(trpc.subscriptions.delete.mutationOptions(refresh)),
  };
  // The error shown is the last action's (an older one's is stale once another was tried).
  const [last, setLast] = useState<keyof typeof actions | null>(null);
  const lastError = last === null ? null : actions[last].error;
  const busy = Object.values(actions).some((action) => action.isPending);
  const paused = subscription.status === 'paused';
  function replay(event: FormEvent) {
    event.preventDefault();
    const text = (replayFrom ?? '').trim();
    const from: SubscriptionFromPosition | null = text === '' || text === 'start' ? 'start' : text === 'end' ? 'end' : wholeNumber(text);
    if (from === null) {
      setReplayProblem('Replay from: a global position (digits), start or end');
      return;
    }
    setReplayProblem(null);
    setLast('replay');
    actions.replay.mutate({ ...ref, fromPosition: from }, { onSuccess: () => setReplayFrom(null) });
  }
  return (
    <tr data-testid="subscription-row" data-subscription-id={id}>
      <td>
        <code>{subscription.url}</code>
        <div className="muted">{filtersOf(subscription)}</div>
        {subscription.description ? <div>{subscription.description}</div> : null}
      </td>
      <td>
        <span className="sub-status" data-status={subscription.status} data-testid="subscription-status">
          {subscription.status}
        </span>
        {subscription.consecutiveFailures > 0 ? <div className="muted">{subscription.consecutiveFailures} failed in a row</div> : null}
        {subscription.nextAttemptAt ? <div className="muted">retry {formatTime(subscription.nextAttemptAt)}</div> : null}
      </td>
      <td data-testid="subscription-lag">{subscription.lag}</td>
      <td data-testid="subscription-last-delivery">{formatTime(subscription.lastDeliveredAt)}</td>
      <td data-testid="subscription-last-error">{subscription.lastError ?? '—'}</td>
      <td>
        <div className="row-actions">
          <button type="button" className="secondary" onClick={onToggleLog} aria-expanded={logOpen}>
            Deliveries
          </button>
          {admin ? (
            <>
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => {
                  setLast('update');
                  actions.update.mutate({ ...ref, status: paused ? 'active' : 'paused' });
                }}
              >
                {paused ? 'Resume' : 'Pause'}
              </button>
              <button type="button" className="secondary" onClick={() => setReplayFrom((current) => (current === null ? 'start' : null))}>
                Replay…
              </button>
              <button
                type="button"
                className="danger"
                disabled={busy}
                onClick={() => {
                  if (!window.confirm(`Delete the subscription to ${subscription.url}? Nothing more is sent to it.`)) return;
                  setLast('remove');
                  actions.remove.mutate(ref);
                }}
              >
                Delete
              </button>
            </>
          ) : null}
        </div>
        {replayFrom !== null ? (
          <form className="inline-form" onSubmit={replay} aria-label="Replay from a position">
            <label htmlFor={`${id}-replay`}>Replay from (global position, start or end)</label>
            <input id={`${id}-replay`} value={replayFrom} onChange={(event) => {
                setReplayFrom(event.target.value);
                setReplayProblem(null);
              }}
            />
            <button type="submit" disabled={busy}>
              Replay
            </button>
          </form>
        ) : null}
        {replayProblem ?? lastError ? (
          <p role="alert" className="error">
            {replayProblem ?? lastError!.message}
          </p>
        ) : null}
      </td>
    </tr>
  );
}

function DeliveriesLog({ store, subscriptionId }: { store: string; subscriptionId: string }) {
  const trpc = useTRPC();
  const log = useQuery({ ...trpc.subscriptions.deliveries.queryOptions({ eventStoreName: store, subscriptionId, limit: 50 }), refetchInterval: 2000 });
  const deliveries = log.data?.deliveries ?? [];
  return (
    <section aria-label="Deliveries log" data-testid="deliveries-log">
      <h3>Latest delivery attempts</h3>
      <QueryStatus query={log} what="deliveries" />
      {log.data && deliveries.length === 0 ? <p className="empty">No attempt yet.</p> : null}
      {deliveries.length > 0 ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Delivery</th>
              <th scope="col">Positions</th>
              <th scope="col">Attempt</th>
              <th scope="col">Outcome</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((attempt) => (
              <tr key={`${attempt.deliveryId}-${attempt.attempt}`} data-testid="delivery-attempt">
                <td>{formatTime(attempt.attemptedAt)}</td>
                <td>
                  <code>{attempt.deliveryId}</code>
                </td>
                <td>
                  {attempt.fromPosition}–{attempt.toPosition} ({attempt.eventCount} {attempt.eventCount === 1 ? 'event' : 'events'})
                </td>
                <td>{attempt.attempt}</td>
                <td>{attempt.error === null ? `${attempt.statusCode} delivered` : attempt.error}</td>
                <td>{Math.round(attempt.durationMs)} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function CreateSubscriptionForm({ store }: { store: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const [url, setUrl] = useState('');
  const [eventTypes, setEventTypes] = useState('');
  const [streamType, setStreamType] = useState('');
  const [streamIdPattern, setStreamIdPattern] = useState('');
  const [start, setStart] = useState<'end' | 'start' | 'position'>('end');
  const [position, setPosition] = useState('0');
  const [batchSize, setBatchSize] = useState('100');
  const [description, setDescription] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedSubscription | null>(null);
  const create = useMutation(
    trpc.subscriptions.create.mutationOptions({
      onSuccess: (subscription) => {
        setCreated(subscription);
        void queryClient.invalidateQueries(trpc.subscriptions.list.pathFilter());
      },
    }),
  );

  function submit(event: FormEvent) {
    event.preventDefault();
    const types = eventTypes
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const input = {
      url: url.trim(),
      ...(types.length > 0 ? { eventTypes: types } : {}),
      ...(streamType.trim() ? { streamType: streamType.trim() } : {}),
      ...(streamIdPattern.trim() ? { streamIdPattern: streamIdPattern.trim() } : {}),
      // Digits only: an empty field must not become 0 (a replay of the whole store).
      fromPosition: start === 'position' ? (wholeNumber(position.trim()) ?? Number.NaN) : start,
      batchSize: Number(batchSize),
      ...(description.trim() ? { description: description.trim() } : {}),
    };
    const parsed = createSubscriptionRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      setProblem(`${issue.path.join('.') || 'input'}: ${issue.message}`);
      return;
    }
    setProblem(null);
    create.mutate({ eventStoreName: store, ...input });
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <h2 id={`${id}-title`}>Create a subscription</h2>
      <label htmlFor={`${id}-url`}>Endpoint URL</label>
      <input id={`${id}-url`} value={url} onChange={(event) => setUrl(event.target.value)} placeholder="https://example.com/hooks/eventlane" />
      <label htmlFor={`${id}-types`}>Event types (comma-separated, optional; order.* for a prefix)</label>
      <input id={`${id}-types`} value={eventTypes} onChange={(event) => setEventTypes(event.target.value)} placeholder="order.*, payment.captured" />
      <label htmlFor={`${id}-stream-type`}>Stream type (optional)</label>
      <input id={`${id}-stream-type`} value={streamType} onChange={(event) => setStreamType(event.target.value)} placeholder="order" />
      <label htmlFor={`${id}-pattern`}>Stream id pattern (optional glob)</label>
      <input id={`${id}-pattern`} value={streamIdPattern} onChange={(event) => setStreamIdPattern(event.target.value)} placeholder="order-*" />
      <label htmlFor={`${id}-start`}>Start with</label>
      <select id={`${id}-start`} value={start} onChange={(event) => setStart(event.target.value as typeof start)}>
        <option value="end">New events only</option>
        <option value="start">Every event, from the start</option>
        <option value="position">A global position</option>
      </select>
      {start === 'position' ? (
        <>
          <label htmlFor={`${id}-position`}>Global position</label>
          <input id={`${id}-position`} inputMode="numeric" value={position} onChange={(event) => setPosition(event.target.value)} />
        </>
      ) : null}
      <label htmlFor={`${id}-batch`}>Batch size (1–1000)</label>
      <input id={`${id}-batch`} inputMode="numeric" value={batchSize} onChange={(event) => setBatchSize(event.target.value)} />
      <label htmlFor={`${id}-description`}>Description (optional)</label>
      <input id={`${id}-description`} value={description} onChange={(event) => setDescription(event.target.value)} />
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      {create.error ? (
        <p role="alert" className="error">
          {create.error.message}
        </p>
      ) : null}
      <button type="submit" disabled={create.isPending}>
        Create subscription
      </button>
      {created ? (
        <OneTimeSecret
          key={created.secret}
          label="Signing secret of the new subscription: copy it now, it will not be shown again."
          value={created.secret}
          testId="new-subscription-secret"
          copyLabel="Copy secret"
        />
      ) : null}
    </form>
  );
}

/** A global position typed by hand: digits only (`Number` would read "", "1e3" and "0x10"); null otherwise. */
function wholeNumber(text: string): number | null {
  return /^\d+$/.test(text) ? Number(text) : null;
}
