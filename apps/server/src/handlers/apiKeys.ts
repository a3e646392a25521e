import type { ApiKeyInfo, ApiKeyScope } from '@eventlane/contracts';
import { issueApiKey } from '../apiKeys.js';
import type { AuthContext } from '../http/auth.js';
import { notFound } from '../http/errors.js';
import type { HandlerDeps } from './deps.js';

/** `apiKeys.list`: the organization's keys, never the keys themselves. */
export async function listApiKeys({ storage }: HandlerDeps, auth: AuthContext): Promise<{ apiKeys: ApiKeyInfo[] }> {
  return { apiKeys: await storage.listApiKeys(auth.organizationId) };
}

/** `apiKeys.create`: a new key of the caller's organization; the key is in this answer only. */
export async function createApiKey(
  { storage }: HandlerDeps,
  auth: AuthContext,
  input: { name?: string; scopes: ApiKeyScope[] },
): Promise<{ key: string; info: ApiKeyInfo }> {
  return issueApiKey(storage, { organizationId: auth.organizationId, scopes: input.scopes, name: input.name ?? null });
}

/** `apiKeys.revoke`: only keys of the caller's organization; another organization's key is "not found". */
export async function revokeApiKey({ storage }: HandlerDeps, auth: AuthContext, input: { keyId: string }): Promise<ApiKeyInfo> {
  const revoked = await storage.revokeApiKey(input.keyId, auth.organizationId);
  if (!revoked) throw notFound('API_KEY_NOT_FOUND', 'API key not found');
  return revoked;
}
