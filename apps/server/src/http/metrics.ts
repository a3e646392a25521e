import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DuplicateEventIdError, StoreError, VersionConflictError, type AppendResult } from '@eventlane/store';

/**
 * Prometheus metrics of one server instance (its own registry, so that tests can run several
 * servers in one process). Labels are route patterns and status codes, never organization, store
 * or stream names: `/metrics` is public and must not leak tenants, nor grow without bound.
 */
export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
  retryable: Counter<'status'>;
  /** Storage work after an answer or in the background that failed (it is retried or repaired), by operation. */
  backgroundFailures: Counter<'operation'>;
  /** What the storage answered: append outcomes and failed operations (see `instrumentStorage`). */
  storage: StorageMetrics;
  /** Webhook deliveries (issue 12): attempts by outcome, their latency, append-to-delivery time, lag. */
  webhooks: WebhookMetrics;
}

export interface WebhookMetrics {
  attempt(result: { outcome: string; durationMs: number }): void;
  delivered(events: number, oldestEventCreatedAt: string): void;
  /** Where the lag gauge reads its value when scraped. */
  setLagSource(source: () => number): void;
}

function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const attempts = new Counter({
    name: 'eventlane_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered (2xx), http_error, timeout, network_error, refused (address not allowed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of ['delivered', 'http_error', 'timeout', 'network_error', 'refused']) attempts.inc({ outcome }, 0);
  const duration = new Histogram({
    name: 'eventlane_webhook_delivery_duration_seconds',
    help: 'Webhook delivery attempt latency (request sent to answer), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const events = new Counter({
    name: 'eventlane_webhook_events_delivered_total',
    help: 'Events acknowledged by webhook receivers (2xx); a redelivered event counts again',
    registers: [registry],
  });
  const endToEnd = new Histogram({
    name: 'eventlane_webhook_append_to_delivery_seconds',
    help: "Time from a batch's oldest event being appended to the receiver's 2xx",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  let lagSource: () => number = () => 0;
  new Gauge({
    name: 'eventlane_webhook_lag_events',
    help: 'Sum over the subscriptions this instance delivers of events not yet delivered (add the instances up)',
    registers: [registry],
    collect() {
      this.set(lagSource());
    },
  });
  return {
    attempt(result) {
      attempts.inc({ outcome: result.outcome });
      duration.observe({ outcome: result.outcome }, result.durationMs / 1000);
    },
    delivered(count, oldestEventCreatedAt) {
      events.inc(count);
      const since = (Date.now() - Date.parse(oldestEventCreatedAt)) / 1000;
      if (Number.isFinite(since)) endToEnd.observe(Math.max(0, since));
    },
    setLagSource(source) {
      lagSource = source;
    },
  };
}

/** The storage's outcomes, counted where the server calls it (`http/instrumentedStorage.ts`). */
export interface StorageMetrics {
  /** An append succeeded: events written, or an idempotent replay (`eventsWritten: 0`). */
  appended(result: AppendResult): void;
  /** An append was refused or failed: a version conflict or a duplicate event id (both a 409), or an error. */
  appendRefused(error: unknown): void;
  /** A storage call failed; counted when storage was unavailable (503) or the error unexpected (500), not for an answer such as a 409. */
  failed(operation: string, error: unknown): void;
}

const APPEND_OUTCOMES = ['written', 'replay', 'version_conflict', 'duplicate_event_id', 'error'] as const;

export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'eventlane_process_' });
  const requests = new Counter({
    name: 'eventlane_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'eventlane_http_request_duration_seconds',
    help: 'HTTP request latency, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retryable = new Counter({
    name: 'eventlane_retryable_responses_total',
    help: 'Answers that tell a syncing client to back off and retry: 429 (rate limit) and 503 (storage unavailable)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  for (const status of ['429', '503']) retryable.inc({ status }, 0);
  const backgroundFailures = new Counter({
    name: 'eventlane_storage_background_failures_total',
    help: 'Storage work after an answer or in the background that failed and is retried or repaired later (MongoDB: stream_head, marker, sequencer, liveness, incarnation_check)',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  return {
    registry,
    requests,
    duration,
    retryable,
    backgroundFailures,
    storage: createStorageMetrics(registry),
    webhooks: createWebhookMetrics(registry),
  };
}

function createStorageMetrics(registry: Registry): StorageMetrics {
  const appends = new Counter({
    name: 'eventlane_appends_total',
    help: 'Appends by outcome: written, replay (idempotent, nothing written), version_conflict, duplicate_event_id, error',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // Label sets bound once: `labels()` hashes the label object on every call otherwise.
  const outcome = Object.fromEntries(APPEND_OUTCOMES.map((name) => [name, appends.labels({ outcome: name })])) as Record<
    (typeof APPEND_OUTCOMES)[number],
    Counter.Internal
  >;
  for (const name of APPEND_OUTCOMES) outcome[name].inc(0);
  const eventsWritten = new Counter({
    name: 'eventlane_events_written_total',
    help: 'Events written by appends (replays write none)',
    registers: [registry],
  });
  const conflicts = new Counter({
    name: 'eventlane_version_conflicts_total',
    help: 'Appends refused because the stream was not at the expected version',
    registers: [registry],
  });
  const replays = new Counter({
    name: 'eventlane_idempotent_replays_total',
    help: 'Appends whose event ids were all stored already (a client retry after a lost response)',
    registers: [registry],
  });
  const storageErrors = new Counter({
    name: 'eventlane_storage_errors_total',
    help: 'Storage calls that failed with storage unavailable or an unexpected error, by operation and kind',
    labelNames: ['operation', 'kind'] as const,
    registers: [registry],
  });
  return {
    appended(result) {
      if (result.eventsWritten === 0) {
        replays.inc();
        outcome.replay.inc();
      } else {
        eventsWritten.inc(result.eventsWritten);
        outcome.written.inc();
      }
    },
    appendRefused(error) {
      if (error instanceof VersionConflictError) {
        // The 409 of a version conflict is counted here (and as a 409 response by the request hook).
        conflicts.inc();
        outcome.version_conflict.inc();
      } else if (error instanceof DuplicateEventIdError) outcome.duplicate_event_id.inc();
      else outcome.error.inc();
    },
    failed(operation, error) {
      if (error instanceof StoreError && error.code !== 'UNAVAILABLE') return; // an answer, not a storage failure
      storageErrors.inc({ operation, kind: error instanceof StoreError ? 'unavailable' : 'unexpected' });
    },
  };
}

/** `GET /metrics` (Prometheus text format) and the per-request counters. */
export function registerMetrics(server: FastifyInstance, metrics: ServerMetrics): void {
  const { requests, duration, retryable } = metrics;
  // Label sets bound once per method, route and status (a bounded set: route patterns, our statuses).
  const bound = new Map<string, { requests: Counter.Internal; duration: Histogram.Internal<'method' | 'route' | 'status'>; retryable?: Counter.Internal }>();
  server.addHook('onResponse', (request, reply, done) => {
    // Unmatched URLs share one label: a scanner must not be able to create series.
    const route = request.routeOptions.url ?? 'unmatched';
    const name = `${request.method} ${reply.statusCode} ${route}`;
    let series = bound.get(name);
    if (!series) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      series = {
        requests: requests.labels(labels),
        duration: duration.labels(labels),
        ...(reply.statusCode === 429 || reply.statusCode === 503 ? { retryable: retryable.labels({ status: labels.status }) } : {}),
      };
      bound.set(name, series);
    }
    series.requests.inc();
    series.duration.observe(reply.elapsedTime / 1000);
    series.retryable?.inc();
    done();
  });
  server.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
