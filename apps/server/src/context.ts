import type { CreateFastifyContextOptions } from '@trpc/server/adapters/fastify';
import type { Limits, SystemInfo } from '@eventlane/contracts';
import type { Storage } from '@eventlane/store';
import type { HandlerDeps } from './handlers/deps.js';
import { createSystemInfo } from './handlers/system.js';
import { apiKeyFromHeaders } from './http/auth.js';
import { createMetrics } from './http/metrics.js';
import { AppendNotifier } from './live/appendNotifier.js';
import { DEFAULT_POLL_INTERVAL_MS, LiveTails } from './live/liveTails.js';

/**
 * What every procedure sees. The key is only taken from the headers here; it is checked by the
 * scoped procedures (trpc.ts), so a storage failure during the lookup answers like any other
 * error instead of failing the whole batch.
 *
 * Live tails run over SSE. A browser's EventSource cannot send headers, and the key must never
 * be in a URL, so clients pass an EventSource ponyfill that can (the `eventsource` package's
 * `fetch` option) to `httpSubscriptionLink({ EventSource })`; see README "Reading and administration".
 */
export interface Context extends Services {
  apiKey: string | null;
}

/** The handlers' storage and the live tails of one server; REST routes and tRPC procedures share them. */
export interface Services {
  deps: HandlerDeps;
  live: LiveTails;
  /** `system.info`: version, storage, uptime and metrics figures of this instance. */
  systemInfo: () => Promise<SystemInfo>;
}

/**
 * Wires the storage for reads and live tails: whenever a store's global order advances in this
 * process (SQLite: an append through it; MongoDB: this instance's sequencer gave positions), its
 * tails wake at once; polling (every `liveTailPollMs`) covers progress made elsewhere.
 */
export function createServices(
  storage: Storage,
  options: { limits: Limits; liveTailPollMs?: number; systemInfo?: () => Promise<SystemInfo> },
): Services {
  const notifier = new AppendNotifier();
  storage.watch({ globalOrderAdvanced: (scope) => notifier.notify(scope) });
  const live = new LiveTails(storage, notifier, {
    pollIntervalMs: options.liveTailPollMs ?? DEFAULT_POLL_INTERVAL_MS[storage.backend],
  });
  return { deps: { storage, limits: options.limits }, live, systemInfo: options.systemInfo ?? createSystemInfo(storage, createMetrics()) };
}

export function createContextFactory(services: Services) {
  return ({ req }: CreateFastifyContextOptions): Context => ({ ...services, apiKey: apiKeyFromHeaders(req.headers) });
}
