import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerAdminApp } from './adminApp';

describe('registerAdminApp', () => {
  let parent: string;
  let root: string;
  let app: FastifyInstance;

  beforeEach(async () => {
    parent = mkdtempSync(join(tmpdir(), 'eventlane-admin-'));
    root = join(parent, 'dist');
    mkdirSync(root);
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>admin</title>');
    writeFileSync(join(root, 'sw.js'), 'self.skipWaiting()');
    writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(parent, 'secret-beside-dist.txt'), 'nope');
    app = Fastify();
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'NOT_FOUND', message: `Route ${request.method} ${request.url} not found` }));
    app.get('/api/event-stores', async () => ({ eventStores: [] }));
    registerAdminApp(app, { root });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    rmSync(parent, { recursive: true, force: true });
  });

  it('serves the app shell at / and for any app route, never cached', async () => {
    for (const url of ['/', '/stores/orders/streams/order-1', '/outbox?x=1']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.body).toContain('<title>admin</title>');
      expect(response.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves the service worker with no-cache and hashed assets as immutable', async () => {
    const worker = await app.inject({ method: 'GET', url: '/sw.js' });
    expect(worker.statusCode).toBe(200);
    expect(worker.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('leaves the API alone: its routes answer, unknown API paths get the JSON 404', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/event-stores' })).json()).toEqual({ eventStores: [] });
    for (const url of ['/api/nope', '/trpc/nope.query', '/healthz/x', '/openapi.json']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json().error, url).toBe('NOT_FOUND');
    }
    expect((await app.inject({ method: 'POST', url: '/stores' })).statusCode).toBe(404);
  });

  it('answers a missing file with 404, not the app, and never leaves the folder', async () => {
    expect((await app.inject({ method: 'GET', url: '/assets/index-old.js' })).statusCode).toBe(404);
    for (const url of ['/../secret-beside-dist.txt', '/%2e%2e/secret-beside-dist.txt', '/assets/..%2f..%2fsecret-beside-dist.txt']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.body, url).not.toContain('nope');
    }
  });

  it('adds no route, so the route catalog and OpenAPI stay as they are', async () => {
    const bare = Fastify();
    const routes: string[] = [];
    bare.addHook('onRoute', (route) => void routes.push(route.url));
    registerAdminApp(bare, { root });
    await bare.ready();
    expect(routes).toEqual([]);
    await bare.close();
  });

  it('does nothing when the app is not built', async () => {
    const bare = Fastify();
    registerAdminApp(bare, { root: join(root, 'missing') });
    await bare.ready();
    expect((await bare.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
    await bare.close();
  });
});
