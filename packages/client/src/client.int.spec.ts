import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, issueApiKey, type EventlaneServer } from '@eventlane/server';
import { getSQLiteStorage } from '@eventlane/store/sqlite';
import { createEventlaneClient, type EventlaneClient, type EventlaneClientOptions } from './client';
import { soleLeader } from './leader';

// A real Eventlane server on a temporary SQLite data folder, real HTTP; only IndexedDB is faked (Node has none).
let dataDir: string;
let server: EventlaneServer;
let baseUrl: string;
let apiKey: string;
const clients: EventlaneClient[] = [];

async function startServer(port = 0) {
  const storage = await getSQLiteStorage({ dataDir });
  server = createServer({ storage, logLevel: 'silent' });
  baseUrl = await server.start({ port, host: '127.0.0.1' });
  return storage;
}

function client(overrides: Partial<EventlaneClientOptions> = {}): EventlaneClient {
  const created = createEventlaneClient({
    baseUrl,
    apiKey,
    dbName: `eventlane-int-${crypto.randomUUID()}`,
    leader: soleLeader(),
    persistStorage: null,
    backoff: { baseMs: 20, maxMs: 200 },
    ...overrides,
  });
  clients.push(created);
  return created;
}

async function readStream(streamId: string) {
  const response = await fetch(`${baseUrl}/api/event-stores/orders/streams/${streamId}`, { headers: { 'X-API-Key': apiKey } });
  expect(response.status).toBe(200);
  return (await response.json()) as { events: Array<{ eventId: string; type: string; streamPosition: number }>; currentStreamVersion: number };
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'eventlane-client-int-'));
  const storage = await startServer();
  await storage.createOrganization('acme');
  ({ key: apiKey } = await issueApiKey(storage, { organizationId: 'acme', scopes: ['append', 'read'] }));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('client against a real server (SQLite)', () => {
  it('lost response (server commits, client sees a network error) → retry → exactly one copy', async () => {
    let dropped = false;
    const c = client({
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!dropped && init?.method === 'POST') {
          dropped = true;
          throw new TypeError('socket hang up (response lost)');
        }
        return response;
      },
    });
    const { entry, settled } = await c.append('orders', 'order-1', [{ type: 'Placed', data: { total: 3 } }, { type: 'Paid', data: {} }], { expectedStreamVersion: 'no_stream' });
    const outcome = await settled;
    expect(dropped).toBe(true);
    expect(outcome).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 2, eventsWritten: 0 } });
    const stream = await readStream('order-1');
    expect(stream.events.map((e) => e.eventId)).toEqual(entry.events.map((e) => e.eventId));
    expect(stream.currentStreamVersion).toBe(2);
  });

  it('server down → queue grows → server up → drains in order', async () => {
    const port = Number(new URL(baseUrl).port);
    await server.stop();
    const c = client();
    const queued = [];
    for (let i = 0; i < 5; i++) queued.push(await c.append('orders', 'order-2', [{ type: `E${i}`, data: { i } }], { expectedStreamVersion: i }));
    queued.push(await c.append('orders', 'order-3', [{ type: 'Other', data: {} }]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const status = await c.status.current();
    expect(status).toMatchObject({ online: false, pendingCount: 6, lastError: { kind: 'network' } });

    await startServer(port);
    const outcomes = await Promise.all(queued.map((q) => q.settled));
    expect(outcomes.map((o) => o.state)).toEqual(['synced', 'synced', 'synced', 'synced', 'synced', 'synced']);
    const stream = await readStream('order-2');
    expect(stream.events.map((e) => e.type)).toEqual(['E0', 'E1', 'E2', 'E3', 'E4']);
    expect(await c.status.current()).toMatchObject({ online: true, pendingCount: 0 });
  });

  it('conflict → rebase → success', async () => {
    const tabA = client();
    const tabB = client();
    const a = await tabA.append('orders', 'order-4', [{ type: 'FromA', data: {} }], { expectedStreamVersion: 'no_stream' });
    expect(await a.settled).toMatchObject({ state: 'synced' });

    const b = await tabB.append('orders', 'order-4', [{ type: 'FromB', data: {} }], { expectedStreamVersion: 'no_stream' });
    await tabB.sync();
    expect(await tabB.db.outbox.get(b.entry.id)).toMatchObject({ state: 'conflict', currentVersion: 1 });

    await tabB.rebase(b.entry.id);
    expect(await b.settled).toMatchObject({ state: 'synced', result: { nextExpectedStreamVersion: 2, eventsWritten: 1 } });
    expect((await readStream('order-4')).events.map((e) => e.type)).toEqual(['FromA', 'FromB']);
  });

  it('coalesced appends and the offline read cache work over real HTTP', async () => {
    const c = client();
    await c.pause();
    await c.append('orders', 'order-5', [{ type: 'A', data: {} }], { expectedStreamVersion: 'no_stream' });
    await c.append('orders', 'order-5', [{ type: 'B', data: { 'a.b': 1, $where: 'x' } }], { expectedStreamVersion: 1 });
    await c.resume();
    await c.sync();
    expect((await c.outbox.current()).map((e) => e.result?.nextExpectedStreamVersion)).toEqual([1, 2]);

    const fresh = await c.readStream('orders', 'order-5');
    expect(fresh).toMatchObject({ currentStreamVersion: 2, error: null });
    expect(fresh.events[1]!.data).toEqual({ 'a.b': 1, $where: 'x' });

    await server.stop();
    const offline = await c.readStream('orders', 'order-5');
    expect(offline.events.map((e) => e.type)).toEqual(['A', 'B']);
    expect(offline.error).not.toBeNull();
    await startServer(); // afterEach stops it
  });

  it('reads a stream over the REST read API; a missing stream or store reads as empty', async () => {
    const c = client();
    await c.append('orders', 'order-7', [{ type: 'A', data: { x: 1 } }, { type: 'B', data: {} }]);
    await c.sync();
    const read = await c.readStream('orders', 'order-7');
    expect(read.events.map((e) => [e.type, e.streamPosition])).toEqual([['A', 0], ['B', 1]]);
    expect(await c.readStream('orders', 'never-written')).toMatchObject({ events: [], currentStreamVersion: 0 });
    expect(await c.readStream('no-such-store', 'x')).toMatchObject({ events: [], currentStreamVersion: 0 });
  });

  it('a revoked or unknown key pauses sync; setApiKey resumes it', async () => {
    const c = client({ apiKey: 'el_not-a-real-key' });
    const { settled } = await c.append('orders', 'order-6', [{ type: 'A', data: {} }]);
    await c.sync();
    expect(await c.status.current()).toMatchObject({ paused: 'auth', lastError: { kind: 'unauthorized', status: 401 } });
    await c.setApiKey(apiKey);
    expect(await settled).toMatchObject({ state: 'synced' });
  });
});
