import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNAUTHORIZED_MESSAGE } from '@eventlane/contracts';
import { issueApiKey, loadConfig } from '../src/exports';
import { BACKENDS, backendAvailable, request, startTestServer, type TestServer } from './harness';
import { trpcClient } from './trpc';

const UNAUTHORIZED = { error: 'UNAUTHORIZED', message: UNAUTHORIZED_MESSAGE };

describe('AUTH_CACHE_TTL_MS', () => {
  it('is off unless set, and at most 5 s', () => {
    expect(loadConfig({}).authCacheTtlMs).toBe(0);
    expect(loadConfig({ AUTH_CACHE_TTL_MS: '1000' }).authCacheTtlMs).toBe(1000);
    expect(() => loadConfig({ AUTH_CACHE_TTL_MS: '60000' })).toThrow(/AUTH_CACHE_TTL_MS/);
  });
});

for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`API-key lookup cache on ${backend}, over HTTP`, () => {
    let server: TestServer;
    const append = (key: string, stream: string) =>
      request(`${server.url}/api/event-stores/orders/streams/${stream}`, { method: 'POST', key, body: { events: [{ type: 't', data: {} }] } });

    beforeAll(async () => {
      // A TTL far longer than the test: only a revocation can end a cached key here.
      server = await startTestServer(backend, { authCacheTtlMs: 60_000 });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('a key revoked through this server is refused at its very next request', async () => {
      const { org, key: admin } = await server.newOrg();
      const { key, info } = await issueApiKey(server.storage, { organizationId: org, scopes: ['append'] });
      expect((await append(key, 'a')).status).toBe(200);
      expect((await append(key, 'a')).status).toBe(200); // now answered from the cache
      await trpcClient(server.url, admin).apiKeys.revoke.mutate({ keyId: info.keyId });
      const refused = await append(key, 'a');
      expect(refused).toMatchObject({ status: 401, body: UNAUTHORIZED });
      // Other keys, cached or not, keep working.
      expect((await append(admin, 'b')).status).toBe(200);
    });

    it('a key revoked behind the server’s back (the CLI, another instance) keeps working until its entry expires', async () => {
      const { org } = await server.newOrg();
      const { key, info } = await issueApiKey(server.storage, { organizationId: org, scopes: ['append'] });
      expect((await append(key, 'c')).status).toBe(200);
      await server.storage.revokeApiKey(info.keyId);
      // The documented trade of the cache: up to AUTH_CACHE_TTL_MS (60 s here) of a revoked key.
      expect((await append(key, 'c')).status).toBe(200);
    });

    it('unknown and revoked keys are not cached: a key issued after a miss works at once', async () => {
      const { org } = await server.newOrg();
      const unknown = `el_${'B'.repeat(43)}`;
      expect((await append(unknown, 'd')).status).toBe(401);
      const revokedFirst = await issueApiKey(server.storage, { organizationId: org, scopes: ['append'] });
      await server.storage.revokeApiKey(revokedFirst.info.keyId);
      expect((await append(revokedFirst.key, 'd')).status).toBe(401);
      const fresh = await issueApiKey(server.storage, { organizationId: org, scopes: ['append'] });
      expect((await append(fresh.key, 'd')).status).toBe(200);
    });
  });
}
