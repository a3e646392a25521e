import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UNAUTHORIZED_MESSAGE } from '@eventlane/contracts';
import type { Storage } from '@eventlane/store';
import { appRouter, createServer, issueApiKey, loadConfig } from '../src/exports';
import { BACKENDS, backendAvailable, expectNoInternals, request, startTestServer, type TestServer } from './harness';
import { normalise, restRequests, trpcRequests, type MatrixRequest, type Names } from './routeMatrix';

const WELL_FORMED_UNKNOWN = `el_${'A'.repeat(43)}`;

/** Sends one matrix request; subscriptions are read as SSE for a bounded time, then aborted. */
async function send(url: string, req: MatrixRequest, headers: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }> {
  if (!req.sse) {
    const response = await request(url + req.path, { method: req.method, body: req.body, headers });
    return { status: response.status, text: response.text, headers: response.headers };
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 1_500);
  let text = '';
  let status = 0;
  let responseHeaders = new Headers();
  try {
    const response = await fetch(url + req.path, { headers: { ...headers, accept: 'text/event-stream' }, signal: controller.signal });
    status = response.status;
    responseHeaders = response.headers;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    // Until the first data or error event, or the time is up.
    while (!/\n\n/.test(text.replace(/^: .*\n\n/gm, '').replace(/event: connected[^\n]*\ndata:[^\n]*\n\n/g, ''))) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { status, text, headers: responseHeaders };
}

/** Routes that answer with the instance's own figures rather than anything of an organization. */
const INSTANCE_FIGURES = new Set(['GET /api/system', 'trpc query system.info']);

describe.each(BACKENDS)('security on %s', (backend) => {
  describe.skipIf(!backendAvailable(backend))('matrices', () => {
    let server: TestServer;
    let ownerA: { org: string; key: string; keyId: string };
    let intruderB: { org: string; key: string; keyId: string };
    const marker = `MARK-${randomUUID()}`;
    const aNames: Names = { store: `secret-${randomUUID().slice(0, 8)}`, stream: 'acct-42', streamType: 'acct', keyId: '' };
    const freshNames: Names = { store: `nowhere-${randomUUID().slice(0, 8)}`, stream: 'acct-42', streamType: 'acct', keyId: 'key_00000000deadbeef' };

    beforeAll(async () => {
      server = await startTestServer(backend);
      ownerA = await server.newOrg();
      intruderB = await server.newOrg();
      aNames.keyId = ownerA.keyId;
      const created = await request(`${server.url}/api/event-stores`, { key: ownerA.key, body: { name: aNames.store, description: marker } });
      expect(created.status).toBe(201);
      const appended = await request(`${server.url}/api/event-stores/${aNames.store}/streams/${aNames.stream}`, {
        key: ownerA.key,
        body: { events: [{ type: 'secret.set', data: { marker }, metadata: { marker } }] },
      });
      expect(appended.status).toBe(200);
      // A webhook subscription of A's store (to a refused loopback address, so nothing is ever sent).
      aNames.subscriptionId = 'sub_0000000000secretsubscription';
      await server.storage.createSubscription(
        { org: ownerA.org, store: aNames.store, subscriptionId: aNames.subscriptionId },
        { url: 'http://127.0.0.1:9/hook', eventTypes: null, streamType: null, streamIdPattern: null, batchSize: 10, description: marker },
        { position: 0, sealedSecret: 'sealed' },
      );
    });
    afterAll(async () => server?.stop());

    it('covers every registered route (the catalog is what the matrices walk)', () => {
      const catalog = server.app.routeCatalog;
      const scoped = catalog.filter((r) => r.scope !== undefined);
      // The append route and the tRPC mount exist at the least; new routes join automatically.
      expect(scoped.map((r) => `${r.method} ${r.url}`)).toContain('POST /api/event-stores/:eventStoreName/streams/:streamId');
      expect(restRequests(catalog, aNames).length).toBeGreaterThanOrEqual(scoped.length);
      console.log(
        `[security] routes when run: ${catalog.map((r) => `${r.method} ${r.url}${r.scope ? ` (${r.scope})` : ''}`).join(', ')}; ` +
          `tRPC procedures: ${Object.keys(appRouter._def.procedures).join(', ')}`,
      );
    });

    it('BOLA: every REST route and tRPC procedure answers another organization exactly as for a store that does not exist', async () => {
      const worldA = [...restRequests(server.app.routeCatalog, aNames), ...trpcRequests(appRouter, aNames)];
      const worldFresh = [...restRequests(server.app.routeCatalog, freshNames), ...trpcRequests(appRouter, freshNames)];
      expect(worldA.length).toBe(worldFresh.length);
      const mismatches: string[] = [];
      // B's own appends (in a store B creates under that name) must be in the global order, and so
      // in the statistics, before each pair of requests: on MongoDB they get there just after the answer.
      const settle = () =>
        Promise.all([aNames.store, freshNames.store].map((store) => server.storage.waitForGlobalOrder({ org: intruderB.org, store })));
      for (let i = 0; i < worldA.length; i++) {
        await settle();
        const a = await send(server.url, worldA[i]!, { 'x-api-key': intruderB.key });
        await settle();
        const fresh = await send(server.url, worldFresh[i]!, { 'x-api-key': intruderB.key });
        expect(a.text, worldA[i]!.label).not.toContain(marker);
        expectNoInternals(a.text);
        // Public routes (/metrics, /healthz, /openapi.json) hold no tenant data but counters: only the marker check applies.
        if (worldA[i]!.scope === undefined) continue;
        if (a.status !== fresh.status) mismatches.push(`${worldA[i]!.label}: ${a.status} vs ${fresh.status}`);
        // The system info names no store: it is this instance's figures (uptime, counters), which move between two calls.
        else if (INSTANCE_FIGURES.has(worldA[i]!.label)) continue;
        else if (normalise(a.text, aNames, freshNames) !== normalise(fresh.text, aNames, freshNames)) {
          mismatches.push(`${worldA[i]!.label}: ${normalise(a.text, aNames, freshNames)} vs ${normalise(fresh.text, aNames, freshNames)}`);
        }
      }
      expect(mismatches.join('\n')).toBe('');
      console.log(`[security] BOLA matrix on ${backend}: ${worldA.length} requests × 2 worlds`);

      // A's store, stream and key came through untouched.
      const read = await server.storage.readStream({ org: ownerA.org, store: aNames.store }, aNames.stream, { limit: 10 });
      expect(read.events.map((e) => e.data)).toEqual([{ marker }]);
      expect((await server.storage.getStore({ org: ownerA.org, store: aNames.store }))?.description).toBe(marker);
      const stillValid = await request(`${server.url}/api/event-stores/${aNames.store}/streams/${aNames.stream}`, { key: ownerA.key });
      expect(stillValid.status).toBe(200);
    });

    it('live tails of another organization deliver nothing, also while the owner appends', async () => {
      const tails = trpcRequests(appRouter, aNames).filter((r) => r.sse);
      for (const tail of tails) {
        const pending = send(server.url, tail, { 'x-api-key': intruderB.key });
        await new Promise((r) => setTimeout(r, 200));
        await request(`${server.url}/api/event-stores/${aNames.store}/streams/${aNames.stream}`, {
          key: ownerA.key,
          body: { events: [{ type: 'secret.more', data: { marker } }] },
        });
        const answer = await pending;
        expect(answer.text, tail.label).not.toContain(marker);
      }
    });

    it('401 matrix: missing, malformed, wrong-prefix, unknown, revoked and non-header keys on every scoped route', async () => {
      const revoked = await server.newOrg();
      await server.storage.revokeApiKey(revoked.keyId);
      const valid = ownerA.key;
      const variants: Array<{ name: string; headers: Record<string, string>; query?: string }> = [
        { name: 'missing', headers: {} },
        { name: 'malformed', headers: { 'x-api-key': 'not a key' } },
        { name: 'wrong prefix', headers: { 'x-api-key': `sk_${valid.slice(3)}` } },
        { name: 'operator-shaped', headers: { 'x-api-key': '{"$gt":""}' } },
        { name: 'unknown', headers: { 'x-api-key': WELL_FORMED_UNKNOWN } },
        { name: 'revoked', headers: { 'x-api-key': revoked.key } },
        { name: 'basic scheme', headers: { authorization: `Basic ${valid}` } },
        { name: 'in the query string', headers: {}, query: `apiKey=${valid}&api_key=${valid}&key=${valid}&token=${valid}` },
      ];
      const requests = [
        ...restRequests(server.app.routeCatalog, aNames).filter((r) => r.scope !== undefined),
        ...trpcRequests(appRouter, aNames),
      ];
      const wrong: string[] = [];
      for (const req of requests) {
        for (const variant of variants) {
          const path = variant.query ? `${req.path}${req.path.includes('?') ? '&' : '?'}${variant.query}` : req.path;
          const answer = await send(server.url, { ...req, path }, variant.headers);
          // A subscription answers 200 and then sends the error as an event of the stream.
          const refused = req.sse ? answer.status === 200 && /UNAUTHORIZED/.test(answer.text) && !/\ndata: \{"id"/.test(answer.text) : answer.status === 401;
          if (!refused) wrong.push(`${req.label} with ${variant.name} key: ${answer.status} ${answer.text.slice(0, 300)}`);
          else if (!req.label.startsWith('trpc')) {
            expect(JSON.parse(answer.text)).toEqual({ error: 'UNAUTHORIZED', message: UNAUTHORIZED_MESSAGE });
          } else expect(answer.text).toContain('UNAUTHORIZED');
          expect(answer.text).not.toContain(marker);
        }
      }
      expect(wrong.join('\n')).toBe('');
      console.log(`[security] 401 matrix on ${backend}: ${requests.length} routes/procedures × ${variants.length} key variants`);
    });

    it('403 when the key lacks the route scope', async () => {
      const requests = restRequests(server.app.routeCatalog, aNames).filter((r) => r.scope !== undefined);
      for (const req of requests) {
        const others = (['append', 'read', 'admin'] as const).filter((s) => s !== req.scope);
        const limited = await server.newOrg([...others]);
        const answer = await send(server.url, req, { 'x-api-key': limited.key });
        expect(answer.status, req.label).toBe(403);
        expect(JSON.parse(answer.text)).toMatchObject({ error: 'FORBIDDEN' });
      }
    });

    it('stores operator and dotted keys literally, never interpreting them, and a key lookup is not injectable', async () => {
      const data = { $where: 'sleep(5000) || true', $gt: '', 'a.b': { $ne: 1 }, '': 0, nested: { $set: { x: 1 }, 'c.d.e': [{ $in: [1] }] } };
      const metadata = { $or: [{ a: 1 }], 'x.y': null };
      const url = `${server.url}/api/event-stores/ops-${randomUUID().slice(0, 6)}/streams/probe-1`;
      expect((await request(url, { key: ownerA.key, body: { events: [{ type: 'ops', data, metadata }] } })).status).toBe(200);
      const read = await request(url, { key: ownerA.key });
      expect(read.status).toBe(200);
      const [event] = (read.body as { events: Array<{ data: unknown; metadata: unknown }> }).events;
      expect(event!.data).toEqual(data);
      expect(event!.metadata).toEqual(metadata);
    });

    it('rejects __proto__ and constructor.prototype keys and pollutes nothing', async () => {
      const url = `${server.url}/api/event-stores/protos/streams/p-1`;
      const codes: string[] = [];
      for (const raw of [
        '{"events":[{"type":"x","data":{"__proto__":{"polluted":true}}}]}',
        '{"events":[{"type":"x","data":{"constructor":{"prototype":{"polluted":true}}}}]}',
      ]) {
        const answer = await request(url, { key: ownerA.key, rawBody: raw });
        expect(answer.status).toBe(400);
        codes.push((answer.body as { details: Array<{ code: string }> }).details[0]!.code);
      }
      // README: both are 400 `forbidden_key`.
      expect(codes).toEqual(['forbidden_key', 'forbidden_key']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('sends security headers on every kind of answer and no x-powered-by', async () => {
      for (const answer of [
        await request(`${server.url}/healthz`),
        await request(`${server.url}/api/event-stores`, { key: null }),
        await request(`${server.url}/api/no-such-route`),
        await request(`${server.url}/api/event-stores/${aNames.store}/streams/${aNames.stream}`, { key: ownerA.key }),
        await request(`${server.url}/trpc/eventStores.list?input=${encodeURIComponent('{"limit":1}')}`, { key: ownerA.key }),
        await request(`${server.url}/api/event-stores/${aNames.store}/streams/${aNames.stream}`, { key: ownerA.key, rawBody: '{' }),
      ]) {
        // Computed once from helmet's own middleware (issue 15); the set must not change.
        expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(answer.headers.get('cross-origin-opener-policy')).toBe('same-origin');
        expect(answer.headers.get('x-xss-protection')).toBe('0');
        expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
        expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(answer.headers.get('strict-transport-security')).toContain('max-age=');
        expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
        expect(answer.headers.get('x-powered-by')).toBeNull();
      }
    });

    it('CORS is off by default: no allow-origin for any origin, also on preflight', async () => {
      const preflight = await request(`${server.url}/api/event-stores`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      const simple = await request(`${server.url}/api/event-stores/${aNames.store}/streams/${aNames.stream}`, {
        key: ownerA.key,
        headers: { origin: 'https://evil.example' },
      });
      expect(simple.status).toBe(200);
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe.skipIf(!backendAvailable(backend))('storage', () => {
    it('holds only key hashes: the raw storage never contains a key', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-keys-'));
      const dbName = `eventlane_keys_${randomUUID().slice(0, 8)}`;
      let storage: Storage;
      if (backend === 'sqlite') {
        const { getSQLiteStorage } = await import('@eventlane/store/sqlite');
        storage = await getSQLiteStorage({ dataDir });
      } else {
        const { getMongoStorage } = await import('@eventlane/store/mongodb');
        storage = await getMongoStorage({ uri: inject('mongoUri')!, dbName });
      }
      try {
        await storage.createOrganization('hashes');
        const issued = await Promise.all(
          [1, 2, 3].map(() => issueApiKey(storage, { organizationId: 'hashes', scopes: ['append', 'read', 'admin'] })),
        );
        await storage.revokeApiKey(issued[2]!.info.keyId);
        let dump: string;
        if (backend === 'sqlite') {
          const files = readdirSync(dataDir).filter((f) => !f.endsWith('-wal') && !f.endsWith('-shm'));
          const rows: unknown[] = [];
          for (const file of files) {
            const db = new Database(join(dataDir, file), { readonly: true });
            const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
            for (const { name } of tables) rows.push(...db.prepare(`SELECT * FROM "${name}"`).all());
            db.close();
          }
          dump = JSON.stringify(rows);
        } else {
          const client = await MongoClient.connect(inject('mongoUri')!);
          const db = client.db(dbName);
          const docs: unknown[] = [];
          for (const { name } of await db.listCollections().toArray()) docs.push(...(await db.collection(name).find().toArray()));
          await client.close();
          dump = JSON.stringify(docs);
        }
        const { hashApiKey } = await import('../src/apiKeys');
        for (const { key } of issued) {
          expect(dump).not.toContain(key);
          expect(dump).not.toContain(key.slice(3)); // nor its secret part without the prefix
          expect(dump).toContain(hashApiKey(key));
        }
      } finally {
        await storage.close();
        rmSync(dataDir, { recursive: true, force: true });
        if (backend === 'mongodb') {
          const client = await MongoClient.connect(inject('mongoUri')!);
          await client.db(dbName).dropDatabase();
          await client.close();
        }
      }
    });
  });
});

describe('rate limit per API key', () => {
  it('answers 429 with Retry-After once a key spends its budget, while other keys go on', async () => {
    const server = await startTestServer('sqlite', { security: { rateLimitMax: 5, rateLimitWindowMs: 60_000 } });
    try {
      const a = await server.newOrg();
      const b = await server.newOrg();
      const url = `${server.url}/api/event-stores/limits/streams/s-1`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await request(url, { key: a.key, body: { events: [{ type: 't', data: { i } }] } })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await request(url, { key: a.key });
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ error: 'Too many requests', message: expect.any(String) });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.headers.get('x-request-id')).toBeTruthy();
      // The same key as a Bearer token is the same bucket; another key (same IP) is not.
      expect((await request(url, { headers: { authorization: `Bearer ${a.key}` } })).status).toBe(429);
      expect((await request(url, { key: b.key, body: { events: [{ type: 't', data: {} }] } })).status).toBe(200);
      // Probes are never throttled.
      for (let i = 0; i < 7; i++) expect((await request(`${server.url}/healthz`)).status).toBe(200);
      // Keyless requests share their address's bucket, and are refused before any key lookup.
      const keyless: number[] = [];
      for (let i = 0; i < 6; i++) keyless.push((await request(url, { key: 'garbage' })).status);
      expect(keyless).toEqual([401, 401, 401, 401, 401, 429]);
    } finally {
      await server.stop();
    }
  });
});

describe('CORS allowlist', () => {
  it('answers preflight and requests from listed origins only', async () => {
    const server = await startTestServer('sqlite', { security: { corsOrigins: ['https://admin.example'] } });
    try {
      const { key } = await server.newOrg();
      const preflight = (origin: string) =>
        request(`${server.url}/api/event-stores/x1/streams/s-1`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-api-key' },
        });
      const allowed = await preflight('https://admin.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://admin.example');
      expect(allowed.headers.get('access-control-allow-headers')).toContain('x-api-key');
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
      const simple = await request(`${server.url}/api/event-stores`, { key, headers: { origin: 'https://admin.example' } });
      expect(simple.headers.get('access-control-allow-origin')).toBe('https://admin.example');
      expect(simple.headers.get('access-control-expose-headers')).toContain('x-request-id');
    } finally {
      await server.stop();
    }
  });

  it('reads CORS_ORIGINS and the rate limit from the environment, refusing a malformed origin', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example, http://b.example:8080/', RATE_LIMIT_MAX: '10', RATE_LIMIT_WINDOW_MS: '1000' });
    expect(config.security).toEqual({ corsOrigins: ['https://a.example', 'http://b.example:8080'], rateLimitMax: 10, rateLimitWindowMs: 1000 });
    expect(loadConfig({}).security.corsOrigins).toEqual([]);
    expect(() => loadConfig({ CORS_ORIGINS: 'javascript:alert(1)' })).toThrow(/CORS_ORIGINS/);
  });
});

describe('internal errors', () => {
  it('a body-carrying method without Content-Type is a 400, not a 500 (found by schemathesis)', async () => {
    const server = await startTestServer('sqlite');
    try {
      const { key } = await server.newOrg(['read']);
      for (const path of ['/api/event-stores', '/api/event-stores/abc/streams']) {
        const answer = await request(`${server.url}${path}`, { method: 'QUERY', key });
        expect(answer.status, path).toBe(400);
        expect(answer.body).toMatchObject({ error: 'Invalid request body' });
        expectNoInternals(answer.text);
      }
    } finally {
      await server.stop();
    }
  });

  it('a forced internal error answers 500 with the request id and no stack or driver text', async () => {
    const { storage, cleanup } = await (await import('./harness')).openTestStorage('sqlite');
    const failing = new Proxy(storage, {
      get(target, property, receiver) {
        if (property === 'append') {
          return async () => {
            throw new TypeError("Cannot read properties of undefined (reading 'x') at /app/node_modules/mongodb/lib/x.ts:12 SQLITE_CORRUPT E11000");
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const app = createServer({ storage: failing, logLevel: 'silent' });
    const url = await app.start({ port: 0 });
    try {
      await storage.createOrganization('boom');
      const { key } = await issueApiKey(storage, { organizationId: 'boom', scopes: ['append'] });
      const answer = await request(`${url}/api/event-stores/boom/streams/b-1`, { key, body: { events: [{ type: 't', data: {} }] } });
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ error: 'INTERNAL_ERROR', message: 'Internal server error', requestId: answer.headers.get('x-request-id') });
      expectNoInternals(answer.text);
      expect(answer.text).not.toContain('Cannot read');
    } finally {
      await app.stop();
      cleanup();
    }
  });
});
