import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { StoredEvent } from '@eventlane/contracts';
import { request } from './harness';
import { startServerProcess, type ServerProcess } from './processes';
import { trpcClient } from './trpc';

/**
 * Two server processes on one MongoDB-wire database, as behind a load balancer: an append
 * through one reaches a live tail opened on the other. They share no memory, so only the
 * database can carry it (polling here: FerretDB v1 has no change streams).
 */
describe.skipIf(!inject('mongoUri'))('live tails across two server processes on one MongoDB-wire server', () => {
  const processes: ServerProcess[] = [];
  let key: string;

  beforeAll(async () => {
    const env = { MONGODB_URI: inject('mongoUri')!, MONGODB_DB: `eventlane_test_live_${randomUUID().slice(0, 8)}` };
    // The first start creates the organization and prints its one-time admin key; the second finds it there.
    processes.push(await startServerProcess(env));
    key = /one-time admin API key[^\n]*\n(el_[A-Za-z0-9_-]{43})/.exec(processes[0]!.output())![1]!;
    processes.push(await startServerProcess(env));
    expect(processes[1]!.output()).not.toMatch(/one-time admin API key/);
  }, 120_000);
  afterAll(async () => {
    for (const server of processes) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  for (const tail of ['events.tail', 'streams.tail'] as const) {
    it(`an append through process A reaches a ${tail} on process B within 2 s`, async () => {
      const [a, b] = processes.map((p) => p.url) as [string, string];
      const append = (type: string) =>
        request(`${a}/api/event-stores/orders/streams/order-1`, { key, body: { events: [{ type, data: {} }] } });
      expect((await append('order.opened')).status).toBe(200);

      const client = trpcClient(b, key);
      const received: Array<{ event: StoredEvent; at: number }> = [];
      let failure: unknown;
      let started!: () => void;
      const isStarted = new Promise<void>((resolve) => (started = resolve));
      const arrived = new Promise<void>((resolve) => {
        const handlers = {
          onStarted: () => started(),
          onData: ({ data }: { data: StoredEvent }) => {
            received.push({ event: data, at: Date.now() });
            subscription.unsubscribe();
            resolve();
          },
          onError: (error: unknown) => {
            failure = error;
            resolve();
          },
        };
        const subscription =
          tail === 'events.tail'
            ? client.events.tail.subscribe({ eventStoreName: 'orders' }, handlers)
            : client.streams.tail.subscribe({ eventStoreName: 'orders', streamId: 'order-1' }, handlers);
      });
      await isStarted;
      // The tail starts from "now" once it has read the head; give it that moment.
      await new Promise((r) => setTimeout(r, 300));
      const appendedAt = Date.now();
      const type = `order.paid.${randomUUID().slice(0, 4)}`;
      expect((await append(type)).status).toBe(200);
      await Promise.race([arrived, new Promise((r) => setTimeout(r, 5000))]);
      expect(failure).toBeUndefined();
      expect(received.map((r) => r.event.type)).toEqual([type]);
      const latency = received[0]!.at - appendedAt;
      console.log(`[live tail across processes, ${tail}] delivered in ${latency} ms`);
      expect(latency).toBeLessThan(2000);
    });
  }
});
