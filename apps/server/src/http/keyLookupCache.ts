import type { ApiKeyRecord, Storage } from '@eventlane/store';

export interface KeyLookupCacheOptions {
  /** How long a found, unrevoked key is answered from memory; 0 turns the cache off. */
  ttlMs: number;
  /** Most keys held (the oldest goes first). */
  maxEntries?: number;
  /** The clock (tests). */
  now?: () => number;
}

/**
 * API-key lookups answered from memory for a short while (`AUTH_CACHE_TTL_MS`, off by default):
 * every authenticated request otherwise reads the key from storage (an indexed SQLite read on the
 * event loop, 9 % of the SQLite server's busy time at c=16; a round trip on MongoDB).
 *
 * What it keeps and what that costs:
 * - Only keys found and not revoked, for `ttlMs`, at most `maxEntries`. Unknown and revoked keys
 *   are looked up every time, so a new key works at once and a flood of bad keys holds no memory.
 * - A revocation through this server (`apiKeys.revoke`) empties the cache before it answers: the
 *   next request with that key is refused, as without a cache.
 * - A revocation anywhere else (the CLI, another instance on the same MongoDB) reaches this
 *   process within `ttlMs`: the key keeps working here until its entry expires. That is the
 *   trade, and why the cache is off unless an operator turns it on (README).
 * Keys are held by their SHA-256 hash, never in clear.
 *
 * Takes the server's instrumented storage (a plain object) and returns a copy with the two key
 * operations replaced; the storage itself is returned when the cache is off.
 */
export function cacheKeyLookups(storage: Storage, { ttlMs, maxEntries = 10_000, now = Date.now }: KeyLookupCacheOptions): Storage {
  if (ttlMs <= 0) return storage;
  const found = new Map<string, { record: ApiKeyRecord; expiresAt: number }>();
  // Moves before and after every revocation: a lookup that overlapped one in any way may have read
  // the key before it was revoked, and is not kept.
  let generation = 0;
  return {
    ...storage,
    async findApiKeyByHash(keyHash) {
      const cached = found.get(keyHash);
      if (cached && cached.expiresAt > now()) return cached.record;
      found.delete(keyHash);
      const lookedUpIn = generation;
      const record = await storage.findApiKeyByHash(keyHash);
      if (record && record.revokedAt === null && lookedUpIn === generation) {
        if (found.size >= maxEntries) found.delete(found.keys().next().value!);
        found.set(keyHash, { record, expiresAt: now() + ttlMs });
      }
      return record;
    },
    async revokeApiKey(keyId, organizationId) {
      generation += 1;
      try {
        return await storage.revokeApiKey(keyId, organizationId);
      } finally {
        generation += 1;
        // Revocations are rare: forget every key rather than keep an index from key id to hash.
        found.clear();
      }
    },
  };
}
