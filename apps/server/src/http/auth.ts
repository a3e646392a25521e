import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyScope } from '@eventlane/contracts';
import type { KeyStore } from '@eventlane/store';
import { hashApiKey, looksLikeApiKey } from '../apiKeys.js';
import { forbidden, unauthorized } from './errors.js';

export interface AuthContext {
  organizationId: string;
  keyId: string;
  scopes: ApiKeyScope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
    /** See `keyHashOf`; null until first asked. */
    keyHash: string | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public (`/healthz`, `/openapi.json`). */
    scope?: ApiKeyScope;
  }
}

/** The key from `X-API-Key` or `Authorization: Bearer`; never from the URL. */
export function apiKeyFromHeaders(headers: FastifyRequest['headers']): string | null {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.length > 0) return header.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
  }
  return null;
}

/** The SHA-256 of a well-formed key, '' for a missing or malformed one. */
function keyHash(key: string | null): string {
  return key !== null && looksLikeApiKey(key) ? hashApiKey(key) : '';
}

/**
 * The hash of the request's well-formed API key ('' when it has none), computed once per request:
 * the rate limiter and authentication both need it. Needs `decorateKeyHash` on the server.
 */
export function keyHashOf(request: FastifyRequest): string {
  request.keyHash ??= keyHash(apiKeyFromHeaders(request.headers));
  return request.keyHash;
}

export function decorateKeyHash(server: FastifyInstance): void {
  server.decorateRequest('keyHash', null);
}

/** Resolves a key to its organization and scopes; null for a missing, malformed, unknown or revoked key. */
export function authenticate(keys: KeyStore, key: string | null): Promise<AuthContext | null> {
  return authenticateHash(keys, keyHash(key));
}

async function authenticateHash(keys: KeyStore, hash: string): Promise<AuthContext | null> {
  if (hash === '') return null;
  const record = await keys.findApiKeyByHash(hash);
  if (!record || record.revokedAt !== null) return null;
  return { organizationId: record.organizationId, keyId: record.keyId, scopes: record.scopes };
}

export function requireScope(auth: AuthContext | null, scope: ApiKeyScope): AuthContext {
  if (!auth) throw unauthorized();
  if (!auth.scopes.includes(scope)) throw forbidden(scope);
  return auth;
}

/**
 * Authenticates every route that declares `config.scope`, before its body is parsed: an
 * unauthenticated client learns nothing from validation errors and costs no parsing.
 */
export function registerAuth(server: FastifyInstance, keys: KeyStore): void {
  server.decorateRequest('auth', null);
  server.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    request.auth = requireScope(await authenticateHash(keys, keyHashOf(request)), scope);
  });
}
