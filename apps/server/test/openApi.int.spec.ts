import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Storage } from '@eventlane/store';
import { createServer, issueApiKey, type EventlaneServer } from '../src/exports';
import { BACKENDS, backendAvailable, openTestStorage, request } from './harness';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
}

/** `/api/event-stores/:eventStoreName` → `/api/event-stores/{eventStoreName}` */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`GET /openapi.json on ${backend}`, () => {
    let app: EventlaneServer;
    let url: string;
    let cleanup: () => void;
    let storage: Storage;
    let key: string;
    let document: OpenApiDocument;
    const routes: Array<{ method: string; url: string }> = [];
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validators = new Map<string, ValidateFunction>();

    /** Validates a real answer against the schema the document gives for this route and status. */
    function expectDocumented(method: string, route: string, response: { status: number; body: unknown }) {
      const operation = document.paths[toOpenApiPath(route)]?.[method.toLowerCase()];
      expect(operation, `${method} ${route} is documented`).toBeDefined();
      const schema = operation!.responses[String(response.status)]?.content?.['application/json']?.schema;
      expect(schema, `${method} ${route} documents status ${response.status}`).toBeDefined();
      const id = `${method} ${route} ${response.status}`;
      let validate = validators.get(id);
      if (!validate) {
        validate = ajv.compile(schema as object);
        validators.set(id, validate);
      }
      const valid = validate(response.body);
      expect(valid, `${id}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(response.body).slice(0, 500)}`).toBe(true);
    }

    beforeAll(async () => {
      const opened = await openTestStorage(backend);
      cleanup = opened.cleanup;
      storage = opened.storage;
      app = createServer({ storage: opened.storage, logLevel: 'silent' });
      // Routes are added when the server gets ready, so this hook sees every one of them.
      app.server.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        for (const method of methods) if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, url: route.url });
      });
      url = await app.start({ port: 0 });
      const org = 'openapi-org';
      await opened.storage.createOrganization(org);
      ({ key } = await issueApiKey(opened.storage, { organizationId: org, scopes: ['append', 'read', 'admin'] }));
      const response = await request(`${url}/openapi.json`);
      expect(response.status).toBe(200);
      document = response.body as OpenApiDocument;
    });
    afterAll(async () => {
      await app?.stop();
      cleanup?.();
    });

    it('is OpenAPI 3.1 and documents every registered REST route', () => {
      expect(document.openapi).toBe('3.1.0');
      const rest = routes.filter((r) => !r.url.startsWith('/trpc') && r.url !== '/healthz' && r.url !== '/readyz' && r.url !== '/metrics');
      expect(rest.length).toBeGreaterThanOrEqual(11);
      for (const route of rest) {
        expect(document.paths[toOpenApiPath(route.url)]?.[route.method.toLowerCase()], `${route.method} ${route.url}`).toBeDefined();
      }
      expect(Object.keys(document.paths).some((p) => p.startsWith('/trpc'))).toBe(false);
      const operationIds = Object.values(document.paths)
        .flatMap((operations) => Object.values(operations))
        .map((operation) => (operation as { operationId?: string }).operationId)
        .filter((id) => id !== undefined);
      expect(operationIds.length).toBeGreaterThanOrEqual(10);
      expect(new Set(operationIds).size).toBe(operationIds.length);
    });

    it('documents the append route with every response of the spec', () => {
      const append = document.paths['/api/event-stores/{eventStoreName}/streams/{streamId}']!.post!;
      expect(Object.keys(append.responses).sort()).toEqual(['200', '400', '401', '403', '409', '413', '429', '431', '500', '503']);
    });

    it('answers headers over 16 KiB with the documented 431 on every operation, and stays up', async () => {
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          expect(operation.responses['431'], `${method} ${path} documents 431`).toBeDefined();
        }
      }
      const stores = '/api/event-stores';
      const response = await fetch(`${url}${stores}`, { headers: { 'x-api-key': key, 'x-padding': 'a'.repeat(20 * 1024) } });
      expect(response.status).toBe(431);
      const body = (await response.json()) as unknown;
      expectDocumented('GET', stores, { status: 431, body });
      expect(JSON.stringify(body)).not.toMatch(/statusCode|HPE_/);
      expect((await request(`${url}${stores}`, { key })).status).toBe(200);
    });

    it('matches real answers of every route, successes and errors', async () => {
      const call = async (method: string, route: string, path: string, body?: unknown, k: string | null = key) => {
        const response = await request(`${url}${path}`, { method, key: k, body });
        expectDocumented(method, route, response);
        return response;
      };
      const append = '/api/event-stores/:eventStoreName/streams/:streamId';
      const events = [{ type: 'user.created', data: { userId: '1' }, metadata: { by: 'test' }, schemaVersion: '1' }];
      expect((await call('POST', append, '/api/event-stores/docs/streams/user-1', { events })).status).toBe(200);
      await call('POST', append, '/api/event-stores/docs/streams/user-1', { events, options: { expectedStreamVersion: 0 } });
      await call('POST', append, '/api/event-stores/docs/streams/user-1', { events: [] });
      await call('POST', append, '/api/event-stores/docs/streams/user-1', { events }, null);

      const stores = '/api/event-stores';
      expect((await call('POST', stores, stores, { name: 'created', description: 'x' })).status).toBe(201);
      expect((await call('POST', stores, stores, { name: 'created' })).status).toBe(409);
      await call('GET', stores, `${stores}?limit=5`);
      await call('GET', stores, `${stores}?limit=0`);

      const store = '/api/event-stores/:eventStoreName';
      await call('GET', store, `${stores}/docs`);
      await call('GET', store, `${stores}/created`);
      expect((await call('GET', store, `${stores}/missing`)).status).toBe(404);
      expect((await call('DELETE', store, `${stores}/created`)).status).toBe(400);
      expect((await call('DELETE', store, `${stores}/created?confirm=true`)).status).toBe(200);

      const whole = '/api/event-stores/:eventStoreName/streams/:streamId';
      await call('GET', whole, `${stores}/docs/streams/user-1`);
      await call('GET', whole, `${stores}/docs/streams/nobody`);
      await call('GET', whole, `${stores}/missing/streams/user-1`);

      const streamEvents = '/api/event-stores/:eventStoreName/streams/:streamId/events';
      await call('GET', streamEvents, `${stores}/docs/streams/user-1/events?includeCount=true`);
      await call('GET', streamEvents, `${stores}/docs/streams/user-1/events?limit=nope`);

      const storeEvents = '/api/event-stores/:eventStoreName/events';
      await call('GET', storeEvents, `${stores}/docs/events?type=user.created&sortDirection=desc`);
      await call('GET', storeEvents, `${stores}/docs/events?fromPosition=100`);
      await call('GET', storeEvents, `${stores}/docs/events`, undefined, null);

      const streams = '/api/event-stores/:eventStoreName/streams';
      await call('GET', streams, `${stores}/docs/streams?streamIdPattern=user-*&includeCount=true`);
      await call('GET', streams, `${stores}/docs/streams?streamIdPattern=[`);

      const ofType = '/api/event-stores/:eventStoreName/stream-types/:streamType/streams';
      await call('GET', ofType, `${stores}/docs/stream-types/user/streams`);

      const readOnly = await issueApiKey(storage, { organizationId: 'openapi-org', scopes: ['read'] });
      expect((await call('POST', stores, stores, { name: 'forbidden' }, readOnly.key)).status).toBe(403);

      expectDocumented('GET', '/openapi.json', await request(`${url}/openapi.json`));
    });
  });
}
