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

/** Resolves a key to its organization and scopes; null for a missing, malformed, unknown or revoked key. */
export async function authenticate(keys: KeyStore, key: string | null): Promise<AuthContext | null> {
  if (key === null || !looksLikeApiKey(key)) return null;
  const record = await keys.findApiKeyByHash(hashApiKey(key));
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
    request.auth = requireScope(await authenticate(keys, apiKeyFromHeaders(request.headers)), scope);
  });
}
