import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { request } from './harness';
import { startServerProcess, type ServerProcess } from './processes';
import { eventually, startReceiver, type Receiver } from './webhookReceiver';

/**
 * Two server processes on one MongoDB-wire database (issue 12): they never deliver one
 * subscription at once (the receiver never has two of its requests open), and when the instance
 * holding the lease is SIGKILLed, the other continues once the lease has expired, losing nothing.
 */
describe.skipIf(!inject('mongoUri'))('webhook delivery across two server processes on one MongoDB-wire database', () => {
  const processes: ServerProcess[] = [];
  let receiver: Receiver;
  let key: string;
  const env = {
    MONGODB_URI: inject('mongoUri') ?? '',
    MONGODB_DB: `eventlane_test_hooks_${randomUUID().slice(0, 8)}`,
    WEBHOOK_ALLOW_PRIVATE_NETWORK: 'true',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_LEASE_TTL_MS: '3000',
    WEBHOOK_RETRY_INITIAL_DELAY_MS: '50',
    RATE_LIMIT_MAX: '0',
  };

  beforeAll(async () => {
    // Slow answers, so that a second instance delivering at the same time would show as two open requests.
    receiver = await startReceiver(() => ({ status: 200, delayMs: 40 }));
    processes.push(await startServerProcess(env, 60_000, { killable: true }));
    key = /one-time admin API key[^\n]*\n(el_[A-Za-z0-9_-]{43})/.exec(processes[0]!.output())![1]!;
  }, 120_000);
  afterAll(async () => {
    for (const server of processes) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await receiver?.close();
  });

  it('one instance at a time delivers; after SIGKILL of the holder the other takes over with nothing lost', async () => {
    const [a] = processes as [ServerProcess];
    const append = (base: string, i: number) =>
      request(`${base}/api/event-stores/orders/streams/order-${i % 4}`, { key, body: { events: [{ type: 'order.tick', data: { i } }] } });
    expect((await append(a.url, 0)).status).toBe(200);
    const created = await request(`${a.url}/api/event-stores/orders/subscriptions`, { key, body: { url: receiver.url, fromPosition: 'start', batchSize: 2 } });
    expect(created.status, created.text).toBe(201);
    // A takes the lease with its first delivery; then B starts.
    await eventually('a first delivery by A', () => receiver.received.length > 0);
    const b = await startServerProcess(env, 60_000, { killable: true });
    processes.push(b);
    for (let i = 1; i < 30; i++) expect((await append(i % 2 === 0 ? a.url : b.url, i)).status).toBe(200);
    await eventually('30 events delivered', () => new Set(receiver.received.flatMap((r) => r.body.events.map((e) => e.eventId))).size === 30, 30_000);

    // The holder dies without giving the lease up.
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    for (let i = 30; i < 40; i++) expect((await append(b.url, i)).status).toBe(200);
    await eventually('B delivers after the lease expired', () => new Set(receiver.received.flatMap((r) => r.body.events.map((e) => e.eventId))).size === 40, 30_000);
    const firstAfterKill = receiver.received.find((r) => r.receivedAt > killedAt && r.body.events.some((e) => e.globalPosition >= 30));
    console.log(`[webhooks across processes] taken over ${firstAfterKill!.receivedAt - killedAt} ms after the kill (lease 3000 ms)`);

    expect(receiver.maxInFlight).toBe(1);
    // First deliveries in global order; duplicates only of a batch in flight at the kill.
    const seen = new Set<string>();
    const firsts: number[] = [];
    for (const e of receiver.received.flatMap((r) => r.body.events)) {
      if (seen.has(e.eventId)) continue;
      seen.add(e.eventId);
      firsts.push(e.globalPosition);
    }
    expect(firsts).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const total = receiver.received.reduce((n, r) => n + r.body.events.length, 0);
    expect(total - 40).toBeLessThanOrEqual(2);
  }, 120_000);
});
