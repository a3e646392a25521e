import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveriesResponseSchema } from '@eventlane/contracts';
import { request, startTestServer, type TestServer } from './harness';
import { eventually, startReceiver, type Receiver } from './webhookReceiver';
import type { ResolvedAddress } from '../src/webhooks/ssrf';

/**
 * Server-side request forgery (issue 12): private addresses refused at creation and at delivery
 * (on the address the connection resolves, so DNS rebinding does not get through), redirects not
 * followed; and the metrics. Host names resolve through an injected resolver: no request ever
 * leaves this machine (public addresses are only ever classified, never connected to).
 */
describe('webhook safety (SQLite)', () => {
  let server: TestServer;
  let org: { org: string; key: string };
  let receiver: Receiver;
  // `rebind.test` answers a public address once (the creation check), then the receiver's loopback address.
  let rebindLookups = 0;
  const names: Record<string, () => ResolvedAddress[]> = {
    'localhost.test': () => [{ address: '127.0.0.1', family: 4 }],
    'metadata.test': () => [{ address: '169.254.169.254', family: 4 }],
    'mixed.test': () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ],
    'rebind.test': () => [{ address: rebindLookups++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }],
  };
  const resolver = async (hostname: string) => {
    const answer = names[hostname];
    if (!answer) throw Object.assign(new Error(`${hostname} not found`), { code: 'ENOTFOUND' });
    return answer();
  };

  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      webhooks: { resolver, retry: { initialDelayMs: 20, maxDelayMs: 200 }, timeoutMs: 2000, scanIntervalMs: 100 },
    });
    org = await server.newOrg();
    receiver = await startReceiver();
    expect((await request(`${server.url}/api/event-stores`, { key: org.key, body: { name: 'safety' } })).status).toBe(201);
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.stop();
  });

  const create = (url: string) => request(`${server.url}/api/event-stores/safety/subscriptions`, { key: org.key, body: { url } });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://[::1]/hook',
    'http://10.1.2.3/hook',
    'https://192.168.0.10/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:127.0.0.1]/hook',
    'http://localhost.test/hook',
    'http://metadata.test/hook',
    'http://mixed.test/hook',
    'http://unknown.test/hook',
  ])('refuses %s at creation with 400 WEBHOOK_URL_NOT_ALLOWED', async (url) => {
    const answer = await create(url);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ error: 'WEBHOOK_URL_NOT_ALLOWED', message: expect.stringContaining('public addresses only') });
  });

  it("says a host that does not resolve does not resolve, never in the resolver's words", async () => {
    const answer = await create('http://unknown.test/hook');
    expect(answer.status).toBe(400);
    expect((answer.body as { message: string }).message).toMatch(/^unknown\.test does not resolve: /);
    expect(answer.text).not.toMatch(/ENOTFOUND|not found/);
  });

  it('refuses a private url in a PATCH too', async () => {
    const created = await create('http://rebind.test/hook');
    expect(created.status).toBe(201);
    const id = (created.body as { subscriptionId: string }).subscriptionId;
    const patched = await request(`${server.url}/api/event-stores/safety/subscriptions/${id}`, { method: 'PATCH', key: org.key, body: { url: 'http://10.0.0.1/x' } });
    expect(patched.status).toBe(400);
    expect(patched.body).toMatchObject({ error: 'WEBHOOK_URL_NOT_ALLOWED' });
    await request(`${server.url}/api/event-stores/safety/subscriptions/${id}`, { method: 'DELETE', key: org.key });
  });

  it('checks the resolved address on every delivery: a name rebound to loopback after creation is refused and nothing is sent', async () => {
    rebindLookups = 0;
    const port = new URL(receiver.url).port;
    const created = await create(`http://rebind.test:${port}/hook`);
    expect(created.status, created.text).toBe(201);
    const id = (created.body as { subscriptionId: string }).subscriptionId;
    const appended = await request(`${server.url}/api/event-stores/safety/streams/s-1`, { key: org.key, body: { events: [{ type: 't', data: {} }] } });
    expect(appended.status).toBe(200);
    const attempts = await eventually('three refused attempts', async () => {
      const log = await request(`${server.url}/api/event-stores/safety/subscriptions/${id}/deliveries`, { key: org.key });
      const { deliveries } = deliveriesResponseSchema.parse(log.body);
      return deliveries.length >= 3 ? deliveries : null;
    });
    for (const attempt of attempts) {
      expect(attempt.statusCode).toBeNull();
      expect(attempt.error).toMatch(/^refused: rebind\.test resolves to 127\.0\.0\.1/);
    }
    expect(receiver.received).toHaveLength(0);
    const sub = await request(`${server.url}/api/event-stores/safety/subscriptions/${id}`, { key: org.key });
    expect(sub.body).toMatchObject({ position: 0, lag: 1, lastError: expect.stringMatching(/^refused/) });
    await request(`${server.url}/api/event-stores/safety/subscriptions/${id}`, { method: 'DELETE', key: org.key });

    const metrics = await request(`${server.url}/metrics`);
    expect(metrics.text).toMatch(/eventlane_webhook_deliveries_total\{outcome="refused"\} [1-9]/);
  });
});

describe('webhook delivery details (SQLite, private network allowed)', () => {
  let server: TestServer;
  let org: { org: string; key: string };
  let receiver: Receiver;
  let other: Receiver;

  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      webhooks: { allowPrivateNetwork: true, retry: { initialDelayMs: 20, maxDelayMs: 200 }, timeoutMs: 500, scanIntervalMs: 100 },
    });
    org = await server.newOrg();
    other = await startReceiver();
    expect((await request(`${server.url}/api/event-stores`, { key: org.key, body: { name: 'details' } })).status).toBe(201);
  });
  afterAll(async () => {
    await receiver?.close();
    await other?.close();
    await server?.stop();
  });

  it('does not follow redirects, treats a timeout as a failure, and counts outcomes without naming tenants', async () => {
    // A redirect, then a hang past the 500 ms timeout, then 200.
    receiver = await startReceiver((_r, n) => (n === 0 ? { status: 307, headers: { location: other.url } } : n === 1 ? 'hang' : { status: 200 }));
    const created = await request(`${server.url}/api/event-stores/details/subscriptions`, { key: org.key, body: { url: receiver.url, description: 'TENANT-MARKER' } });
    expect(created.status).toBe(201);
    const id = (created.body as { subscriptionId: string }).subscriptionId;
    await request(`${server.url}/api/event-stores/details/streams/s-1`, { key: org.key, body: { events: [{ type: 't', data: {} }] } });
    await eventually('delivered on the third attempt', () => receiver.received.some((r) => r.answered === 200));
    expect(other.received).toHaveLength(0);
    const log = await eventually('three attempts logged', async () => {
      const answer = await request(`${server.url}/api/event-stores/details/subscriptions/${id}/deliveries`, { key: org.key });
      const { deliveries } = deliveriesResponseSchema.parse(answer.body);
      return deliveries.length === 3 ? deliveries : null;
    });
    expect(log.map((d) => [d.statusCode, d.error])).toEqual([
      [200, null],
      [null, 'timeout after 500 ms'],
      [307, 'HTTP 307'],
    ]);
    const metrics = (await request(`${server.url}/metrics`)).text;
    expect(metrics).toMatch(/eventlane_webhook_deliveries_total\{outcome="delivered"\} 1/);
    expect(metrics).toMatch(/eventlane_webhook_deliveries_total\{outcome="http_error"\} 1/);
    expect(metrics).toMatch(/eventlane_webhook_deliveries_total\{outcome="timeout"\} 1/);
    expect(metrics).toMatch(/eventlane_webhook_events_delivered_total 1/);
    expect(metrics).toContain('eventlane_webhook_append_to_delivery_seconds_count 1');
    expect(metrics).toContain('eventlane_webhook_delivery_duration_seconds_bucket');
    expect(metrics).toMatch(/eventlane_webhook_lag_events \d+/);
    for (const secret of [org.org, 'details', id, 'TENANT-MARKER']) expect(metrics).not.toContain(secret);
  });
});
