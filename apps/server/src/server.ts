import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { DEFAULT_LIMITS, type Limits } from '@eventlane/contracts';
import type { Storage } from '@eventlane/store';
import { registerAdminApp } from './http/adminApp.js';
import { registerAuth } from './http/auth.js';
import { clientErrorHandler } from './http/clientErrors.js';
import { instrumentStorage } from './http/instrumentedStorage.js';
import { cacheKeyLookups } from './http/keyLookupCache.js';
import { createMetrics, registerMetrics } from './http/metrics.js';
import { registerRouteCatalog } from './http/routeCatalog.js';
import { registerSecurity, type SecurityOptions } from './http/security.js';
import { sendError } from './http/errors.js';
import { zodValidatorCompiler } from './http/validation.js';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import { createContextFactory, createServices } from './context.js';
import type { WebhookOptions } from './webhooks/webhookDispatcher.js';
import { endTailsOnClose } from './live/endTailsOnClose.js';
import { registerAppendRoute } from './routes/appendRoute.js';
import { registerEventStoreRoutes } from './routes/eventStoreRoutes.js';
import { registerHealthRoutes } from './routes/healthRoutes.js';
import { registerOpenApi, registerOpenApiRoute } from './routes/openApiRoute.js';
import { registerReadRoutes } from './routes/readRoutes.js';
import { registerSubscriptionRoutes } from './routes/subscriptionRoutes.js';
import { registerSystemRoutes } from './routes/systemRoutes.js';
import { createSystemInfo } from './handlers/system.js';
import { appRouter, type AppRouter } from './routers/index.js';

export interface ServerOptions {
  storage: Storage;
  limits?: Partial<Limits>;
  /** pino level; `silent` in tests. */
  logLevel?: string;
  /** Rate limit and CORS allowlist (defaults: 6000 requests per minute per key, CORS off). */
  security?: Partial<SecurityOptions>;
  /** How often live tails poll storage when no in-process append woke them (default: SQLite 1000 ms, MongoDB 200 ms). */
  liveTailPollMs?: number;
  /** Webhook delivery (issue 12): private networks, timeouts, backoff, lease, secret key. */
  webhooks?: Partial<WebhookOptions>;
  /** API-key lookups answered from memory for this long (default 0: off); see http/keyLookupCache.ts for what it costs. */
  authCacheTtlMs?: number;
}

export interface EventlaneServer {
  server: FastifyInstance;
  /** Listens and resolves with the base URL (`http://127.0.0.1:4000`). Port 0 picks a free port. */
  start(options?: { port?: number; host?: string }): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then closes storage. */
  stop(): Promise<void>;
}

/**
 * Builds the HTTP server on a storage; reads no environment and never exits the process.
 *
 * @example
 * const { start, stop } = createServer({ storage: await getSQLiteStorage({ dataDir }) });
 * const url = await start({ port: 0 });
 */
export function createServer(options: ServerOptions): EventlaneServer {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = createMetrics();
  // Appends through this server wake its live tails at once; polling covers other writers.
  let log: FastifyInstance['log'] | null = null;
  const services = createServices(cacheKeyLookups(instrumentStorage(options.storage, metrics.storage), { ttlMs: options.authCacheTtlMs ?? 0 }), {
    limits,
    liveTailPollMs: options.liveTailPollMs,
    systemInfo: createSystemInfo(options.storage, metrics),
    webhooks: options.webhooks,
    webhookMetrics: metrics.webhooks,
    log: (level, message, details) => log?.[level](details ?? {}, message),
  });
  metrics.webhooks.setLagSource(() => services.webhooks.lagTotal());
  const { deps } = services;
  const { storage } = deps;
  const server = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    bodyLimit: limits.maxBodyBytes,
    genReqId: () => randomUUID(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    clientErrorHandler,
    routerOptions: { maxParamLength: 2048 },
  });
  log = server.log;
  // Work the storage does after answering (MongoDB: stream heads, markers, the sequencer) is
  // repaired or retried when it fails; each failure is logged and counted, never swallowed.
  options.storage.watch({
    backgroundFailure: (operation, error) => {
      metrics.backgroundFailures.inc({ operation });
      server.log.warn({ err: error, operation }, 'storage background work failed; it will be retried or repaired');
    },
  });
  server.setValidatorCompiler(zodValidatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  server.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  server.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'NOT_FOUND', message: `Route ${request.method} ${request.url.split('?')[0]} not found` }),
  );
  // The first hook: every answer carries the id, 429s, other errors and 404s included.
  server.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  registerRouteCatalog(server);
  registerSecurity(server, options.security);
  registerMetrics(server, metrics);
  // The OpenAPI plugin must see every route, so the routes are registered in a plugin after it.
  registerOpenApi(server);
  void server.register(async (app) => {
    registerAuth(app, storage);
    registerHealthRoutes(app, storage);
    registerAppendRoute(app, storage, limits);
    registerEventStoreRoutes(app, deps);
    registerReadRoutes(app, deps);
    registerSubscriptionRoutes(app, deps);
    registerSystemRoutes(app, services.systemInfo);
    registerOpenApiRoute(app);
    endTailsOnClose(app, services.live);
    await app.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext: createContextFactory(services),
        onError({ error, path }) {
          if (error.code === 'INTERNAL_SERVER_ERROR') app.log.error({ err: error.cause ?? error, path }, 'tRPC request failed');
        },
      } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
    });
  });

  // The built admin app (apps/admin/dist) at `/`, same origin as the API; nothing when not built.
  registerAdminApp(server);

  let closed = false;
  return {
    server,
    async start({ port = 0, host = '127.0.0.1' } = {}) {
      await server.listen({ port, host });
      services.webhooks.start();
      const address = server.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    },
    async stop() {
      if (closed) return;
      closed = true;
      // Deliveries stop first: an attempt in flight is aborted and its batch goes again later; leases are given up.
      await services.webhooks.stop();
      await server.close();
      await options.storage.close();
    },
  };
}
