import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, inject, it } from 'vitest';
import { expectNoInternals, request, startTestServer } from './harness';
import { TcpProxy } from './tcpProxy';

const body = (i: number) => ({ events: [{ type: 'tick', data: { i }, eventId: randomUUID() }] });

describe.skipIf(!inject('mongoUri'))('storage outage on the MongoDB-wire server', () => {
  it('answers 503 with Retry-After while the database is unreachable, then recovers without a restart', async () => {
    const target = new URL(inject('mongoUri')!.replace(/^mongodb:/, 'http:'));
    const proxy = new TcpProxy(target.hostname, Number(target.port));
    const port = await proxy.start();
    const proxiedUri = inject('mongoUri')!.replace(`${target.hostname}:${target.port}`, `127.0.0.1:${port}`);
    const { getMongoStorage } = await import('@eventlane/store/mongodb');
    const storage = await getMongoStorage({ uri: proxiedUri, dbName: `eventlane_outage_${randomUUID().slice(0, 8)}` });
    const server = await startTestServer('mongodb', { storage });
    try {
      const { key, org } = await server.newOrg();
      const url = `${server.url}/api/event-stores/outage/streams/tick-1`;
      expect((await request(url, { key, body: body(0) })).status).toBe(200);

      await proxy.cut();
      const started = Date.now();
      const down = await request(url, { key, body: body(1) });
      const elapsed = Date.now() - started;
      // Authentication needs storage too, so either step may be the one that notices.
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ error: 'Service unavailable', message: expect.any(String) });
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      expectNoInternals(down.text);
      expect(elapsed).toBeLessThan(15_000);
      expect((await request(`${server.url}/readyz`)).status).toBe(503);
      // Operators see the outage in the metrics: storage errors and 503s a syncing client will retry.
      const during = (await request(`${server.url}/metrics`)).text;
      expect(during).toMatch(/eventlane_retryable_responses_total\{status="503"\} [1-9]/);
      expect(during).toMatch(/eventlane_storage_errors_total\{operation="\w+",kind="unavailable"\} [1-9]/);
      console.log(`[outage] first 503 after ${elapsed} ms`);

      await proxy.start();
      let recovered = 0;
      for (let attempt = 0; attempt < 50 && recovered !== 200; attempt++) {
        recovered = (await request(url, { key, body: body(2) })).status;
        if (recovered !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      expect(recovered).toBe(200);
      expect((await request(`${server.url}/readyz`)).status).toBe(200);
      const read = await storage.readStream({ org, store: 'outage' }, 'tick-1', { limit: 10 });
      expect(read.events.map((e) => (e.data as { i: number }).i)).toEqual([0, 2]);
      const after = (await request(`${server.url}/metrics`)).text;
      expect(after).toContain('eventlane_appends_total{outcome="written"} 2');
    } finally {
      await server.stop();
      await proxy.cut();
    }
  }, 60_000);
});

describe('storage outage on SQLite', () => {
  it('answers 503 while another process holds the database locked, then recovers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-outage-'));
    const { getSQLiteStorage } = await import('@eventlane/store/sqlite');
    const storage = await getSQLiteStorage({ dataDir, busyTimeoutMs: 200 });
    const server = await startTestServer('sqlite', { storage });
    try {
      const { key, org } = await server.newOrg();
      const url = `${server.url}/api/event-stores/outage/streams/tick-1`;
      expect((await request(url, { key, body: body(0) })).status).toBe(200);
      const files = (await import('node:fs')).readdirSync(dataDir).filter((f) => f.endsWith('.db') || f.endsWith('.sqlite'));
      const locker = new Database(join(dataDir, files[0]!));
      locker.exec('BEGIN EXCLUSIVE');
      const down = await request(url, { key, body: body(1) });
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ error: 'Service unavailable', message: expect.any(String) });
      expect(down.headers.get('retry-after')).toBe('1');
      expectNoInternals(down.text);
      locker.exec('ROLLBACK');
      locker.close();
      expect((await request(url, { key, body: body(2) })).status).toBe(200);
      const read = await storage.readStream({ org, store: 'outage' }, 'tick-1', { limit: 10 });
      expect(read.events.map((e) => (e.data as { i: number }).i)).toEqual([0, 2]);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
