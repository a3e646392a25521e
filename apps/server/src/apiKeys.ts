import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyInfo, ApiKeyScope } from '@eventlane/contracts';
import type { KeyStore } from '@eventlane/store';

export const API_KEY_PREFIX = 'el_';
/** How much of a key is kept in clear to recognise it in lists: `el_` and 6 characters. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;
/** `el_` + 43 base64url characters (32 random bytes). */
const API_KEY_PATTERN = /^el_[A-Za-z0-9_-]{43}$/;

export function hashApiKey(key: string): string {
  // One-shot `crypto.hash` (Node 20.12+): no Hash object per request on the hot path.
  return hash('sha256', key, 'hex');
}

/** Cheap shape check before any storage lookup: wrong prefix or length is rejected without I/O. */
export function looksLikeApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

export interface IssueApiKeyOptions {
  organizationId: string;
  scopes: ApiKeyScope[];
  name?: string | null;
}

/**
 * Creates a key and stores only its SHA-256 hash. The returned `key` is the only time it exists in clear.
 *
 * @example
 * const { key } = await issueApiKey(storage, { organizationId: 'default', scopes: ['append', 'read'] });
 */
export async function issueApiKey(store: KeyStore, options: IssueApiKeyOptions): Promise<{ key: string; info: ApiKeyInfo }> {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const info: ApiKeyInfo = {
    keyId: `key_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    organizationId: options.organizationId,
    name: options.name ?? null,
    prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
    scopes: [...new Set(options.scopes)],
    createdAt: new Date().toISOString(),
    revokedAt: null,
  };
  await store.insertApiKey({ ...info, keyHash: hashApiKey(key) });
  return { key, info };
}
