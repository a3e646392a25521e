import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { decorateKeyHash, keyHashOf } from './auth.js';
import { tooManyRequests } from './errors.js';
import { staticSecurityHeaders } from './securityHeaders.js';

export interface SecurityOptions {
  /** Requests per API key (per client IP for requests without a well-formed key) per window; 0 turns the limiter off. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Browser origins allowed to call the API (`https://admin.example.com`). Empty: CORS off, no CORS headers at all. */
  corsOrigins: string[];
}

export const DEFAULT_SECURITY: SecurityOptions = Object.freeze({
  rateLimitMax: 6000,
  rateLimitWindowMs: 60_000,
  corsOrigins: [],
});

/** Probes and scrapes are not clients: a load balancer or Prometheus must never be throttled into marking us down. */
const UNLIMITED_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The limiter's bucket: the SHA-256 of a well-formed API key (never the key itself, which would sit
 * in memory as a map key), else the client address. Keying by key, not IP, lets many offline clients
 * behind one NAT sync at once while one noisy key cannot starve the others.
 */
export function rateLimitKey(request: FastifyRequest): string {
  const hash = keyHashOf(request);
  return hash !== '' ? `key:${hash}` : `ip:${request.ip}`;
}

/**
 * Security headers (helmet), prototype-safe JSON bodies, CORS (off unless origins are listed) and
 * the per-key rate limit.
 * Call before `registerAuth`: the limiter's hook is then the first `onRequest` hook, so a flood is
 * refused before it costs a key lookup in storage.
 */
export function registerSecurity(server: FastifyInstance, options: Partial<SecurityOptions> = {}): void {
  const settings: SecurityOptions = { ...DEFAULT_SECURITY, ...options };
  decorateKeyHash(server);

  const securityHeaders = staticSecurityHeaders({
    // Helmet's default CSP otherwise; but the default listener is plain http on 127.0.0.1, where
    // `upgrade-insecure-requests` would send the admin app's own assets to an https port that isn't there.
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  // The first hook of every request (404s and errors included): set before anything can answer.
  server.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });

  // Fastify's own JSON parser drops secure-json-parse's reason, so a `__proto__` body would answer
  // a bare `invalid_json`; this one keeps the SyntaxError, which errors.ts maps to `forbidden_key`.
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) {
      // Many clients send `Content-Type: application/json` on every request, bodiless DELETEs
      // included: a route that takes no body (and a URL with no route) treats it as no body.
      // A route with a body schema still answers that an empty body is not JSON.
      if (request.routeOptions.schema?.body === undefined) return done(null, undefined);
      return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
    }
    try {
      done(null, secureJson.parse(body as string, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      // Keeps the parser's message (errors.ts reads "prototype" in it) under fastify's code for a bad body.
      done(Object.assign(error as Error, { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }), undefined);
    }
  });

  if (settings.corsOrigins.length > 0) {
    void server.register(cors, {
      origin: settings.corsOrigins,
      methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['content-type', 'x-api-key', 'authorization', 'trpc-accept', 'x-trpc-source'],
      exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      credentials: false,
      maxAge: 600,
    });
  }

  if (settings.rateLimitMax <= 0) return;
  let limiter: ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) | null = null;
  void server.register(rateLimit, {
    global: false,
    max: settings.rateLimitMax,
    timeWindow: settings.rateLimitWindowMs,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: (_request, context) => tooManyRequests(Math.max(1, Math.ceil(context.ttl / 1000))),
    onExceeded: (request) => request.log.warn({ limiter: 'per-key' }, 'rate limit exceeded'),
  });
  server.after(() => {
    limiter = server.rateLimit() as unknown as typeof limiter;
  });
  // Added synchronously so that it precedes the auth hook; the limiter itself exists once the plugin loaded.
  server.addHook('onRequest', async (request, reply) => {
    if (limiter && !UNLIMITED_ROUTES.has(request.routeOptions.url!)) await limiter(request, reply);
  });
}
