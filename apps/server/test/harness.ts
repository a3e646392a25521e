import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { ApiKeyScope, Limits } from '@eventlane/contracts';
import type { Storage } from '@eventlane/store';
import type { FastifyInstance } from 'fastify';
import { createServer, issueApiKey } from '../src/exports';
import type { SecurityOptions } from '../src/http/security';
import type { WebhookOptions } from '../src/webhooks/webhookDispatcher';

export type Backend = 'sqlite' | 'mongodb';

export const BACKENDS: Backend[] = ['sqlite', 'mongodb'];

/** Whether a backend can run here; MongoDB needs the provisioned wire server (CI fails in globalSetup without it). */
export function backendAvailable(backend: Backend): boolean {
  return backend === 'sqlite' || Boolean(inject('mongoUri'));
}

export async function openTestStorage(backend: Backend, uri?: string): Promise<{ storage: Storage; cleanup: () => void }> {
  if (backend === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-server-test-'));
    const { getSQLiteStorage } = await import('@eventlane/store/sqlite');
    return { storage: await getSQLiteStorage({ dataDir }), cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const { getMongoStorage } = await import('@eventlane/store/mongodb');
  const dbName = `eventlane_test_${randomUUID().slice(0, 8)}`;
  return { storage: await getMongoStorage({ uri: uri ?? inject('mongoUri')!, dbName }), cleanup: () => {} };
}

export interface TestServer {
  url: string;
  /** The Fastify instance (its `routeCatalog` lists every registered route). */
  app: FastifyInstance;
  storage: Storage;
  /** A fresh organization with a key holding the given scopes. */
  newOrg(scopes?: ApiKeyScope[]): Promise<{ org: string; key: string; keyId: string }>;
  stop(): Promise<void>;
}

export async function startTestServer(
  backend: Backend,
  options: { limits?: Partial<Limits>; storage?: Storage; security?: Partial<SecurityOptions>; webhooks?: Partial<WebhookOptions>; authCacheTtlMs?: number } = {},
): Promise<TestServer> {
  const opened = options.storage ? { storage: options.storage, cleanup: () => {} } : await openTestStorage(backend);
  const app = createServer({
    storage: opened.storage,
    limits: options.limits,
    logLevel: 'silent',
    security: options.security,
    webhooks: options.webhooks,
    authCacheTtlMs: options.authCacheTtlMs,
  });
  const url = await app.start({ port: 0 });
  let orgs = 0;
  return {
    url,
    app: app.server,
    storage: opened.storage,
    async newOrg(scopes = ['append', 'read', 'admin']) {
      orgs += 1;
      const org = `org-${randomUUID().slice(0, 8)}-${orgs}`;
      await opened.storage.createOrganization(org);
      const { key, info } = await issueApiKey(opened.storage, { organizationId: org, scopes });
      return { org, key, keyId: info.keyId };
    },
    async stop() {
      await app.stop();
      opened.cleanup();
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function request(
  url: string,
  init: { method?: string; key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers['x-api-key'] = init.key;
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Nothing in a response may look like a stack trace or a driver's message. */
export function expectNoInternals(text: string): void {
  for (const marker of [/\n\s+at /, /node_modules/, /Mongo[A-Z]\w*Error/, /SQLITE_/, /E11000/, /\.ts:\d+/]) {
    if (marker.test(text)) throw new Error(`response leaks internals (${marker}): ${text.slice(0, 300)}`);
  }
}
