import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createdSubscriptionSchema,
  deliveriesResponseSchema,
  subscriptionSchema,
  subscriptionsPageResponseSchema,
  type CreatedSubscription,
  type SubscriptionResponse,
} from '@eventlane/contracts';
import { BACKENDS, backendAvailable, expectNoInternals, request, startTestServer, type TestServer } from './harness';
import { eventually, startReceiver, verifySignature, type Receiver } from './webhookReceiver';
import { trpcClient } from './trpc';

/**
 * Webhook subscriptions (issue 12), the conformance of delivery on both backends: filters,
 * batching, ordering, retries (Retry-After; 410 and 500 retried, never dropped), pause and
 * resume, replay, delete during a delivery, and isolation between organizations. A real receiver
 * on 127.0.0.1 (hence `allowPrivateNetwork`), retries sped up.
 */
const FAST = {
  allowPrivateNetwork: true,
  retry: { initialDelayMs: 20, maxDelayMs: 2_000 },
  timeoutMs: 2_000,
  leaseTtlMs: 6_000,
  scanIntervalMs: 100,
};

for (const backend of BACKENDS) {
  describe.skipIf(!backendAvailable(backend))(`webhook subscriptions on ${backend}`, () => {
    let server: TestServer;
    let org: { org: string; key: string };
    let receiver: Receiver;
    let storeCounter = 0;
    let store: string;

    beforeAll(async () => {
      server = await startTestServer(backend, { webhooks: FAST, security: { rateLimitMax: 0 } });
      org = await server.newOrg();
    });
    afterAll(async () => {
      await server?.stop();
    });
    afterEach(async () => {
      await receiver?.close();
    });

    const api = (path: string) => `${server.url}/api/event-stores/${store}${path}`;
    const append = async (streamId: string, events: Array<{ type: string; data?: Record<string, unknown> }>) => {
      const response = await request(api(`/streams/${streamId}`), { key: org.key, body: { events: events.map((e) => ({ data: {}, ...e })) } });
      expect(response.status, response.text).toBe(200);
    };
    const create = async (body: Record<string, unknown>): Promise<CreatedSubscription> => {
      const response = await request(api('/subscriptions'), { key: org.key, body: { url: receiver.url, ...body } });
      expect(response.status, response.text).toBe(201);
      return createdSubscriptionSchema.parse(response.body);
    };
    const get = async (id: string): Promise<SubscriptionResponse> => {
      const response = await request(api(`/subscriptions/${id}`), { key: org.key });
      expect(response.status, response.text).toBe(200);
      return subscriptionSchema.parse(response.body);
    };
    const patch = async (id: string, body: unknown) => {
      const response = await request(api(`/subscriptions/${id}`), { method: 'PATCH', key: org.key, body });
      expect(response.status, response.text).toBe(200);
      return subscriptionSchema.parse(response.body);
    };
    const deliveredTypes = () => receiver.received.filter((r) => r.answered === 200).flatMap((r) => r.body.events.map((e) => e.type));

    async function freshStore(): Promise<void> {
      storeCounter += 1;
      store = `hooks-${storeCounter}`;
      const created = await request(`${server.url}/api/event-stores`, { key: org.key, body: { name: store } });
      expect(created.status).toBe(201);
    }

    it('creates a subscription: 201 with the exact fields and a whsec_ secret shown once; reads never show it', async () => {
      await freshStore();
      receiver = await startReceiver();
      await append('order-1', [{ type: 'order.placed' }, { type: 'order.paid' }]);
      const created = await create({ eventTypes: ['order.*'], description: 'to billing' });
      expect(Object.keys(created).sort()).toEqual(
        ['subscriptionId', 'eventStoreName', 'url', 'eventTypes', 'streamType', 'streamIdPattern', 'batchSize', 'description', 'status', 'position', 'createdAt', 'secret'].sort(),
      );
      expect(created).toMatchObject({ eventStoreName: store, url: receiver.url, eventTypes: ['order.*'], streamType: null, streamIdPattern: null, batchSize: 100, description: 'to billing', status: 'active', position: 2 });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

      const read = await get(created.subscriptionId);
      expect(read).toMatchObject({ status: 'active', position: 2, lag: 0, lastDeliveredAt: null, lastError: null, consecutiveFailures: 0, nextAttemptAt: null });
      const list = await request(api('/subscriptions'), { key: org.key });
      expect(list.status).toBe(200);
      const page = subscriptionsPageResponseSchema.parse(list.body);
      expect(page.subscriptions.map((s) => s.subscriptionId)).toEqual([created.subscriptionId]);
      expect(page.pagination).toMatchObject({ total: 1, hasMore: false });
      for (const text of [list.text, JSON.stringify(read)]) expect(text).not.toContain(created.secret);
      // Stored sealed, not in clear.
      const record = await server.storage.getSubscription({ org: org.org, store, subscriptionId: created.subscriptionId });
      expect(record!.sealedSecret).not.toContain(created.secret.slice(6));
      expect(record!.sealedSecret).toMatch(/^v1\./);
    });

    it('refuses bad bodies with the zod issue list and out-of-range positions, and answers 404 for a missing store', async () => {
      await freshStore();
      receiver = await startReceiver();
      const bad = async (body: unknown, path: string) => {
        const response = await request(api('/subscriptions'), { key: org.key, body });
        expect(response.status, response.text).toBe(400);
        expect((response.body as { details: Array<{ path: unknown[] }> }).details.map((d) => d.path.join('.'))).toContain(path);
        expectNoInternals(response.text);
      };
      await bad({ url: 'ftp://example.com/x' }, 'url');
      await bad({ url: receiver.url, eventTypes: ['order.*.x'] }, 'eventTypes.0');
      await bad({ url: receiver.url, eventTypes: [] }, 'eventTypes');
      await bad({ url: receiver.url, batchSize: 0 }, 'batchSize');
      await bad({ url: receiver.url, batchSize: 1001 }, 'batchSize');
      await bad({ url: receiver.url, streamIdPattern: 'a b' }, 'streamIdPattern');
      await bad({ url: receiver.url, secret: 'mine' }, '');
      const ahead = await request(api('/subscriptions'), { key: org.key, body: { url: receiver.url, fromPosition: 5 } });
      expect(ahead.status).toBe(400);
      expect(ahead.body).toMatchObject({ error: 'POSITION_OUT_OF_RANGE' });
      const missing = await request(`${server.url}/api/event-stores/nothing-here/subscriptions`, { key: org.key, body: { url: receiver.url } });
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ error: 'EVENT_STORE_NOT_FOUND' });
      const unknown = await request(api('/subscriptions/sub_missing'), { key: org.key });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error: 'SUBSCRIPTION_NOT_FOUND', message: 'Subscription not found' });
    });

    it('delivers only matching events (exact type, prefix glob, stream type, stream id glob), signed, with the documented headers', async () => {
      await freshStore();
      receiver = await startReceiver();
      const all = await create({ fromPosition: 'start' });
      const byType = await create({ fromPosition: 'start', eventTypes: ['order.*', 'payment.captured'] });
      const byStream = await create({ fromPosition: 'start', streamType: 'order', streamIdPattern: 'order-1?' });
      await append('order-10', [{ type: 'order.placed' }, { type: 'order.noted' }]);
      await append('order-2', [{ type: 'order.placed' }]);
      await append('payment-1', [{ type: 'payment.captured' }, { type: 'payment.refunded' }]);
      await append('orders-11', [{ type: 'order.placed' }]);
      await append('order-11', [{ type: 'ordered' }]);

      const eventsOf = (id: string) =>
        receiver.received.filter((r) => r.body.subscriptionId === id && r.answered === 200).flatMap((r) => r.body.events.map((e) => `${e.streamId}/${e.type}`));
      await eventually('every subscription caught up', async () => {
        const lags = await Promise.all([all, byType, byStream].map((s) => get(s.subscriptionId).then((r) => r.lag)));
        return lags.every((lag) => lag === 0) && eventsOf(all.subscriptionId).length === 7;
      });
      expect(eventsOf(byType.subscriptionId)).toEqual(['order-10/order.placed', 'order-10/order.noted', 'order-2/order.placed', 'payment-1/payment.captured', 'orders-11/order.placed']);
      expect(eventsOf(byStream.subscriptionId)).toEqual(['order-10/order.placed', 'order-10/order.noted', 'order-11/ordered']);

      const secrets = new Map([all, byType, byStream].map((s) => [s.subscriptionId, s.secret]));
      for (const r of receiver.received) {
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.headers['x-eventlane-subscription']).toBe(r.body.subscriptionId);
        expect(r.headers['x-eventlane-delivery']).toBe(r.body.deliveryId);
        expect(r.headers['x-eventlane-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
        expect(verifySignature(r.rawBody, r.headers['x-eventlane-signature'] as string, secrets.get(r.body.subscriptionId)!)).toBe(true);
        expect(verifySignature(r.rawBody, r.headers['x-eventlane-signature'] as string, 'whsec_wrong')).toBe(false);
        expect(r.body.eventStoreName).toBe(store);
      }
      const first = receiver.received.find((r) => r.body.subscriptionId === all.subscriptionId)!.body.events[0]!;
      expect(first).toMatchObject({ streamId: 'order-10', streamType: 'order', streamPosition: 0, globalPosition: 0, type: 'order.placed', data: {}, metadata: null });
    });

    it('sends batches of at most batchSize, in global order, every event once when nothing fails', async () => {
      await freshStore();
      receiver = await startReceiver();
      // Appends from several writers at once, to several streams.
      await Promise.all(
        Array.from({ length: 6 }, (_, w) =>
          (async () => {
            for (let i = 0; i < 5; i++) await append(`acct-${w % 3}`, [{ type: 'tick', data: { w, i } }, { type: 'tick', data: { w, i, second: true } }]);
          })(),
        ),
      );
      const sub = await create({ fromPosition: 'start', batchSize: 7 });
      await eventually('60 events delivered', () => receiver.received.reduce((n, r) => n + r.body.events.length, 0) === 60);
      const positions = receiver.received.flatMap((r) => r.body.events.map((e) => e.globalPosition));
      expect(positions).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(receiver.received.map((r) => r.body.events.length)).toEqual([7, 7, 7, 7, 7, 7, 7, 7, 4]);
      expect(new Set(receiver.received.map((r) => r.body.deliveryId)).size).toBe(9);
      expect(receiver.maxInFlight).toBe(1);
      await eventually('position at the head', async () => (await get(sub.subscriptionId)).position === 60);
    });

    it('retries a failed batch with the same delivery id, honours Retry-After, and never drops a 410 or a 500', async () => {
      await freshStore();
      // 503 + Retry-After: 1, then 410, then 500, then 200.
      const answers = [{ status: 503, headers: { 'retry-after': '1' } }, { status: 410 }, { status: 500 }];
      receiver = await startReceiver((_request, n) => answers[n] ?? { status: 200 });
      await append('order-1', [{ type: 'order.placed' }, { type: 'order.paid' }]);
      const sub = await create({ fromPosition: 'start', batchSize: 1 });
      await eventually('both events delivered', () => receiver.received.filter((r) => r.answered === 200).length === 2);
      const [a, b, c, d, e] = receiver.received;
      expect([a, b, c, d].map((r) => r!.body.deliveryId)).toEqual(Array(4).fill(a!.body.deliveryId));
      expect([a, b, c, d].map((r) => r!.body.events[0]!.globalPosition)).toEqual([0, 0, 0, 0]);
      expect([a, b, c, d].map((r) => r!.answered)).toEqual([503, 410, 500, 200]);
      // Retry-After: 1 second, not the 20 ms backoff
      expect(b!.receivedAt - a!.receivedAt).toBeGreaterThanOrEqual(950);
      expect(e!.body.events[0]!.globalPosition).toBe(1);
      expect(e!.body.deliveryId).not.toBe(a!.body.deliveryId);

      // The log is written after the position: wait for the last attempt's entry.
      const attempts = await eventually('five attempts logged', async () => {
        const log = await request(api(`/subscriptions/${sub.subscriptionId}/deliveries?limit=10`), { key: org.key });
        expect(log.status).toBe(200);
        const logged = deliveriesResponseSchema.parse(log.body).deliveries;
        return logged.length === 5 ? logged : null;
      });
      expect(attempts.map((x) => [x.attempt, x.statusCode, x.error])).toEqual([
        [1, 200, null],
        [4, 200, null],
        [3, 500, 'HTTP 500'],
        [2, 410, 'HTTP 410'],
        [1, 503, 'HTTP 503'],
      ]);
      expect(attempts[4]).toMatchObject({ deliveryId: a!.body.deliveryId, fromPosition: 0, toPosition: 0, eventCount: 1 });
      const after = await get(sub.subscriptionId);
      expect(after).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null, nextAttemptAt: null, position: 2 });
      expect(after.lastDeliveredAt).not.toBeNull();
    });

    it('shows failing after 10 consecutive failures, keeps retrying without skipping, and recovers', async () => {
      await freshStore();
      let failing = true;
      receiver = await startReceiver(() => (failing ? { status: 500 } : { status: 204 }));
      await append('order-1', [{ type: 'order.placed' }]);
      const sub = await create({ fromPosition: 'start' });
      const failed = await eventually('failing', async () => {
        const s = await get(sub.subscriptionId);
        return s.status === 'failing' ? s : null;
      });
      expect(failed.consecutiveFailures).toBeGreaterThanOrEqual(10);
      expect(failed).toMatchObject({ lastError: 'HTTP 500', position: 0, lag: 1 });
      expect(failed.nextAttemptAt).not.toBeNull();
      await append('order-2', [{ type: 'order.placed' }]);
      failing = false;
      const recovered = await eventually('recovered', async () => {
        const s = await get(sub.subscriptionId);
        return s.status === 'active' && s.lag === 0 ? s : null;
      });
      expect(recovered).toMatchObject({ consecutiveFailures: 0, lastError: null, position: 2 });
      const ok = receiver.received.filter((r) => r.answered === 204);
      expect(ok.flatMap((r) => r.body.events.map((e) => e.globalPosition))).toEqual([0, 1]);
      // Every failed attempt carried the same first batch.
      const failures = receiver.received.filter((r) => r.answered === 500);
      expect(new Set(failures.map((r) => r.body.deliveryId))).toEqual(new Set([ok[0]!.body.deliveryId]));
    });

    it('pauses (nothing is sent) and resumes from where it stopped', async () => {
      await freshStore();
      receiver = await startReceiver();
      const sub = await create({});
      await append('order-1', [{ type: 'a' }]);
      await eventually('first delivery', () => receiver.received.length === 1);
      expect((await patch(sub.subscriptionId, { status: 'paused' })).status).toBe('paused');
      await append('order-1', [{ type: 'b' }, { type: 'c' }]);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(receiver.received).toHaveLength(1);
      expect(await get(sub.subscriptionId)).toMatchObject({ status: 'paused', lag: 2 });
      expect((await patch(sub.subscriptionId, { status: 'active' })).status).toBe('active');
      await eventually('b and c delivered', () => deliveredTypes().join() === 'a,b,c');
    });

    it('replays from a position, and changes filters and batch size from the next batch', async () => {
      await freshStore();
      receiver = await startReceiver();
      await append('order-1', [{ type: 'a' }, { type: 'b' }, { type: 'c' }, { type: 'd' }]);
      const sub = await create({ fromPosition: 'start' });
      await eventually('first pass', () => deliveredTypes().join() === 'a,b,c,d');
      const replay = await request(api(`/subscriptions/${sub.subscriptionId}/replay`), { key: org.key, body: { fromPosition: 2 } });
      expect(replay.status, replay.text).toBe(200);
      expect(replay.body).toMatchObject({ position: 2 });
      await eventually('c and d again', () => deliveredTypes().join() === 'a,b,c,d,c,d');
      await patch(sub.subscriptionId, { eventTypes: ['b', 'd'], batchSize: 1 });
      await request(api(`/subscriptions/${sub.subscriptionId}/replay`), { key: org.key, body: { fromPosition: 'start' } });
      await eventually('b and d once each', () => deliveredTypes().join() === 'a,b,c,d,c,d,b,d');
      const cleared = await patch(sub.subscriptionId, { eventTypes: null, description: 'all again' });
      expect(cleared).toMatchObject({ eventTypes: null, description: 'all again', batchSize: 1 });
      const past = await request(api(`/subscriptions/${sub.subscriptionId}/replay`), { key: org.key, body: { fromPosition: 99 } });
      expect(past.status).toBe(400);
      expect(past.body).toMatchObject({ error: 'POSITION_OUT_OF_RANGE' });
    });

    it('deletes during a delivery: the attempt in flight is abandoned and nothing is sent afterwards', async () => {
      await freshStore();
      receiver = await startReceiver(() => 'hang');
      await append('order-1', [{ type: 'a' }]);
      const sub = await create({ fromPosition: 'start' });
      await eventually('an attempt in flight', () => receiver.inFlight === 1);
      const deleted = await request(api(`/subscriptions/${sub.subscriptionId}`), { method: 'DELETE', key: org.key });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ success: true, message: 'Subscription deleted successfully' });
      await eventually('the attempt aborted', () => receiver.abandoned === 1);
      receiver.respond = () => ({ status: 200 });
      await append('order-1', [{ type: 'b' }]);
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(receiver.received).toHaveLength(1);
      for (const path of ['', '/deliveries']) {
        const gone = await request(api(`/subscriptions/${sub.subscriptionId}${path}`), { key: org.key });
        expect(gone.status).toBe(404);
        expect(gone.body).toMatchObject({ error: 'SUBSCRIPTION_NOT_FOUND' });
      }
      const again = await request(api(`/subscriptions/${sub.subscriptionId}`), { method: 'DELETE', key: org.key });
      expect(again.status).toBe(404);
    });

    it("answers 404 to another organization for everything, on REST and tRPC, even with a store of the same name", async () => {
      await freshStore();
      receiver = await startReceiver();
      const sub = await create({});
      const other = await server.newOrg();
      const id = sub.subscriptionId;
      const calls: Array<[string, string, unknown?]> = [
        ['GET', ''],
        ['GET', '/x'],
        ['PATCH', `/${id}`, { status: 'paused' }],
        ['POST', `/${id}/replay`, { fromPosition: 'start' }],
        ['GET', `/${id}/deliveries`],
        ['DELETE', `/${id}`],
        ['GET', `/${id}`],
      ];
      const check = async (expected: string[], skipList = false) => {
        for (const [method, path, body] of calls) {
          if (skipList && path === '') continue;
          const response = await request(api(`/subscriptions${path}`), { method, key: other.key, body });
          expect(response.status, `${method} ${path}`).toBe(404);
          expect(expected).toContain((response.body as { error: string }).error);
        }
        const trpc = trpcClient(server.url, other.key);
        const error = await trpc.subscriptions.get.query({ eventStoreName: store, subscriptionId: id }).catch((e: unknown) => e);
        expect(error).toMatchObject({ data: { httpStatus: 404 } });
      };
      await check(['EVENT_STORE_NOT_FOUND']);
      // The other organization has a store of that name: still nothing of the first one's.
      await request(`${server.url}/api/event-stores`, { key: other.key, body: { name: store } });
      await check(['SUBSCRIPTION_NOT_FOUND'], true);
      const theirs = await request(api('/subscriptions'), { key: other.key });
      expect(theirs.status).toBe(200);
      expect(theirs.body).toMatchObject({ subscriptions: [], pagination: { total: 0 } });
      // And the subscription is untouched.
      expect(await get(id)).toMatchObject({ status: 'active' });
    });

    it('serves the same operations as tRPC procedures subscriptions.*', async () => {
      await freshStore();
      receiver = await startReceiver();
      const trpc = trpcClient(server.url, org.key);
      const created = await trpc.subscriptions.create.mutate({ eventStoreName: store, url: receiver.url, eventTypes: ['x.*'] });
      expect(created.secret).toMatch(/^whsec_/);
      const ref = { eventStoreName: store, subscriptionId: created.subscriptionId };
      expect((await trpc.subscriptions.list.query({ eventStoreName: store })).subscriptions).toHaveLength(1);
      expect(await trpc.subscriptions.update.mutate({ ...ref, status: 'paused' })).toMatchObject({ status: 'paused' });
      expect(await trpc.subscriptions.replay.mutate({ ...ref, fromPosition: 'start' })).toMatchObject({ position: 0, status: 'paused' });
      expect(await trpc.subscriptions.get.query(ref)).toMatchObject({ status: 'paused' });
      expect(await trpc.subscriptions.deliveries.query({ ...ref, limit: 5 })).toEqual({ deliveries: [] });
      expect(await trpc.subscriptions.delete.mutate(ref)).toMatchObject({ success: true });
      const missing = await trpc.subscriptions.get.query(ref).catch((e: unknown) => e);
      expect(missing).toMatchObject({ data: { httpStatus: 404, error: 'SUBSCRIPTION_NOT_FOUND' } });
    });

    it('deletes the subscriptions of a deleted store', async () => {
      await freshStore();
      receiver = await startReceiver();
      const sub = await create({});
      const deleted = await request(`${server.url}/api/event-stores/${store}?confirm=true`, { method: 'DELETE', key: org.key });
      expect(deleted.status).toBe(200);
      await request(`${server.url}/api/event-stores`, { key: org.key, body: { name: store } });
      expect(await server.storage.getSubscription({ org: org.org, store, subscriptionId: sub.subscriptionId })).toBeNull();
    });
  });
}
