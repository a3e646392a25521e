import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, backendAvailable, request, startTestServer, type TestServer } from './harness';
import { startServerProcess } from './processes';

/** The value of one sample of the Prometheus text, 0 when absent. */
export function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    const have = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(line.split(' ').at(-1));
  }
  return 0;
}

const APPEND_ROUTE = '/api/event-stores/:eventStoreName/streams/:streamId';

describe.each(BACKENDS)('GET /metrics on %s', (backend) => {
  describe.skipIf(!backendAvailable(backend))('counters', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(backend);
    });
    afterAll(async () => server?.stop());

    it('counts requests by route and status, appends, events written, conflicts and replays — and names no tenant', async () => {
      const { key, org } = await server.newOrg();
      const store = `metered-${randomUUID().slice(0, 6)}`;
      const url = `${server.url}/api/event-stores/${store}/streams/meter-1`;
      const eventId = randomUUID();
      const first = { events: [{ type: 'a', data: {}, eventId }, { type: 'b', data: {} }] };
      const replay = { events: [{ type: 'a', data: {}, eventId: randomUUID() }] };
      expect((await request(url, { key, body: first })).status).toBe(200);
      expect((await request(url, { key, body: replay })).status).toBe(200);
      expect((await request(url, { key, body: replay })).status).toBe(200); // the replay
      expect((await request(url, { key, body: { events: [{ type: 'c', data: {} }], options: { expectedStreamVersion: 0 } } })).status).toBe(409);
      expect((await request(url, { key, body: { events: [] } })).status).toBe(400);
      expect((await request(url, { key: null, body: first })).status).toBe(401);
      await request(`${server.url}/api/no/such/${store}`);

      const scrape = await request(`${server.url}/metrics`);
      expect(scrape.status).toBe(200);
      expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const m = scrape.text;
      expect(sample(m, 'eventlane_appends_total', { outcome: 'written' })).toBe(2);
      expect(sample(m, 'eventlane_appends_total', { outcome: 'replay' })).toBe(1);
      expect(sample(m, 'eventlane_events_written_total')).toBe(3);
      expect(sample(m, 'eventlane_idempotent_replays_total')).toBe(1);
      expect(sample(m, 'eventlane_version_conflicts_total')).toBe(1);
      const post = (status: string) => sample(m, 'eventlane_http_requests_total', { method: 'POST', route: APPEND_ROUTE, status });
      expect([post('200'), post('409'), post('400'), post('401')]).toEqual([3, 1, 1, 1]);
      expect(sample(m, 'eventlane_http_request_duration_seconds_count', { method: 'POST', route: APPEND_ROUTE, status: '200' })).toBe(3);
      expect(sample(m, 'eventlane_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
      expect(sample(m, 'eventlane_storage_errors_total')).toBe(0);
      expect(m).toContain('eventlane_retryable_responses_total{status="503"} 0');
      // Labels are route patterns: no organization, store or stream name ever appears.
      for (const name of [org, store, 'meter-1']) expect(m).not.toContain(name);
    });
  });
});

describe('429 in the metrics', () => {
  it('counts rate-limited answers as retryable', async () => {
    const server = await startTestServer('sqlite', { security: { rateLimitMax: 2, rateLimitWindowMs: 60_000 } });
    try {
      const { key } = await server.newOrg();
      for (let i = 0; i < 4; i++) await request(`${server.url}/api/event-stores/x1/streams/s-1`, { key, body: { events: [{ type: 't', data: {} }] } });
      const m = (await request(`${server.url}/metrics`)).text;
      expect(sample(m, 'eventlane_retryable_responses_total', { status: '429' })).toBe(2);
      expect(sample(m, 'eventlane_http_requests_total', { route: APPEND_ROUTE, status: '429' })).toBe(2);
    } finally {
      await server.stop();
    }
  });
});

describe('request ids in the logs', () => {
  it('every log line of a request carries the request id its answer names', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-logs-'));
    const proc = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'info', RATE_LIMIT_MAX: '3' });
    try {
      const key = /^(el_[A-Za-z0-9_-]{43})\s*$/m.exec(proc.output())![1]!;
      const url = `${proc.url}/api/event-stores/logs/streams/l-1`;
      const answers = [
        await request(url, { key, body: { events: [{ type: 't', data: {} }] } }),
        await request(url, { key, body: { events: [] } }),
        await request(url, { key: null, body: { events: [] } }),
        await request(`${proc.url}/api/no-such-route`),
        await request(url, { key, rawBody: '{"events":[' }),
        await request(url, { key }), // the 4th request of this key: 429, logged as a warning
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 400, 401, 404, 400, 429]);
      proc.child.kill('SIGTERM');
      await proc.exited;
      const lines = proc
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { reqId?: string; msg?: string; req?: unknown; res?: unknown });
      const ofRequests = lines.filter((l) => l.req || l.res || l.reqId || /incoming request|request (completed|failed)|rate limit/i.test(l.msg ?? ''));
      expect(ofRequests.length).toBeGreaterThanOrEqual(answers.length * 2);
      for (const line of ofRequests) expect(line.reqId, JSON.stringify(line)).toMatch(/^[0-9a-f-]{36}$/);
      // Lines without a request id are the process's own (listening, stopping).
      for (const line of lines.filter((l) => !l.reqId)) expect(line.msg ?? JSON.stringify(line)).toMatch(/listening|stopping|clos/i);
      for (const answer of answers) {
        const id = answer.headers.get('x-request-id')!;
        expect(lines.filter((l) => l.reqId === id).length, id).toBeGreaterThanOrEqual(2);
      }
      expect(lines.some((l) => l.msg === 'rate limit exceeded' && l.reqId === answers[5]!.headers.get('x-request-id'))).toBe(true);
    } finally {
      // SIGTERM: tsx relays it to the server; a SIGKILL would orphan the server process under it.
      if (proc.child.exitCode === null) {
        proc.child.kill('SIGTERM');
        await proc.exited;
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
