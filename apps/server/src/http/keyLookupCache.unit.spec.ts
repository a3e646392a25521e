import { describe, expect, it } from 'vitest';
import type { ApiKeyInfo } from '@eventlane/contracts';
import type { ApiKeyRecord, Storage } from '@eventlane/store';
import { cacheKeyLookups } from './keyLookupCache.js';

const record = (keyId: string, revokedAt: string | null = null): ApiKeyRecord =>
  ({ keyId, organizationId: 'o', scopes: ['append'], name: null, prefix: 'el_abcdef', createdAt: '2026-01-01T00:00:00.000Z', revokedAt, keyHash: `h-${keyId}` }) as ApiKeyRecord;

/** A key store in memory whose lookups can be held open, to interleave them with a revocation. */
function keyStore() {
  const keys = new Map<string, ApiKeyRecord>();
  let lookups = 0;
  let hold: Promise<void> | null = null;
  const storage = {
    async findApiKeyByHash(hash: string) {
      lookups += 1;
      const answer = keys.get(hash) ?? null;
      if (hold) await hold;
      return answer;
    },
    async revokeApiKey(keyId: string): Promise<ApiKeyInfo | null> {
      for (const [hash, r] of keys) if (r.keyId === keyId) keys.set(hash, { ...r, revokedAt: '2026-01-02T00:00:00.000Z' });
      return null;
    },
  } as unknown as Storage;
  return {
    storage,
    keys,
    lookups: () => lookups,
    holdLookups() {
      let release!: () => void;
      hold = new Promise((resolve) => (release = resolve));
      return () => {
        hold = null;
        release();
      };
    },
  };
}

describe('cacheKeyLookups', () => {
  it('is the storage itself when the TTL is 0', () => {
    const { storage } = keyStore();
    expect(cacheKeyLookups(storage, { ttlMs: 0 })).toBe(storage);
  });

  it('answers a found key from memory until its TTL passes', async () => {
    const store = keyStore();
    let clock = 1_000;
    const cached = cacheKeyLookups(store.storage, { ttlMs: 500, now: () => clock });
    store.keys.set('h1', record('k1'));
    expect(await cached.findApiKeyByHash('h1')).toMatchObject({ keyId: 'k1', revokedAt: null });
    await store.storage.revokeApiKey('k1'); // behind its back
    clock += 499;
    expect(await cached.findApiKeyByHash('h1')).toMatchObject({ revokedAt: null });
    expect(store.lookups()).toBe(1);
    clock += 1;
    expect((await cached.findApiKeyByHash('h1'))!.revokedAt).not.toBeNull();
    expect(store.lookups()).toBe(2);
  });

  it('forgets every key when one is revoked through it', async () => {
    const store = keyStore();
    const cached = cacheKeyLookups(store.storage, { ttlMs: 60_000 });
    store.keys.set('h1', record('k1'));
    await cached.findApiKeyByHash('h1');
    await cached.revokeApiKey('k1', 'o');
    expect((await cached.findApiKeyByHash('h1'))!.revokedAt).not.toBeNull();
  });

  it('does not keep a lookup that overlapped a revocation', async () => {
    const store = keyStore();
    const cached = cacheKeyLookups(store.storage, { ttlMs: 60_000 });
    store.keys.set('h1', record('k1'));
    const release = store.holdLookups();
    const inFlight = cached.findApiKeyByHash('h1'); // read the key before it was revoked
    await cached.revokeApiKey('k1', 'o');
    release();
    expect((await inFlight)!.revokedAt).toBeNull();
    expect((await cached.findApiKeyByHash('h1'))!.revokedAt).not.toBeNull();
  });

  it('keeps neither misses nor revoked keys, and at most maxEntries keys', async () => {
    const store = keyStore();
    const cached = cacheKeyLookups(store.storage, { ttlMs: 60_000, maxEntries: 2 });
    expect(await cached.findApiKeyByHash('h0')).toBeNull();
    store.keys.set('h0', record('k0'));
    expect(await cached.findApiKeyByHash('h0')).not.toBeNull();
    store.keys.set('hr', record('kr', '2026-01-01T00:00:00.000Z'));
    await cached.findApiKeyByHash('hr');
    await cached.findApiKeyByHash('hr');
    expect(store.lookups()).toBe(4);
    for (const id of ['1', '2']) {
      store.keys.set(`h${id}`, record(`k${id}`));
      await cached.findApiKeyByHash(`h${id}`);
    }
    const before = store.lookups();
    await cached.findApiKeyByHash('h0'); // the oldest, pushed out by h1 and h2
    await cached.findApiKeyByHash('h2');
    expect(store.lookups() - before).toBe(1);
  });
});
