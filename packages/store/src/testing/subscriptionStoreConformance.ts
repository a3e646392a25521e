import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_LOG_SIZE, MAX_SUBSCRIPTIONS_PER_STORE } from '@eventlane/contracts';
import type { Storage } from '../eventStore.js';
import { StoreError } from '../errors.js';
import type { DeliveryProgress, SubscriptionConfig, SubscriptionKey } from '../subscriptions.js';

let counter = 0;
function freshKey(subscriptionId = 'sub_1'): SubscriptionKey {
  counter += 1;
  const tag = `${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
  return { org: `org-${tag}`, store: `store-${tag}`, subscriptionId };
}

const config = (overrides: Partial<SubscriptionConfig> = {}): SubscriptionConfig => ({
  url: 'https://receiver.example/hook',
  eventTypes: ['order.*'],
  streamType: null,
  streamIdPattern: null,
  batchSize: 100,
  description: null,
  ...overrides,
});

const delivered = (generation: number, position: number): DeliveryProgress => ({
  generation,
  state: {
    status: 'active',
    position,
    lastDeliveredAt: new Date().toISOString(),
    lastError: null,
    consecutiveFailures: 0,
    nextAttemptAt: null,
    pending: null,
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every adapter's subscription store must have (issue 12): records, isolation
 * between organizations, the lease (one holder at a time, fencing of a stale holder), progress
 * writes guarded by the generation, the bounded deliveries log.
 *
 * @example
 * testSubscriptionStore('sqlite', () => getSQLiteStorage({ dataDir }));
 */
export function testSubscriptionStore(name: string, factory: () => Promise<Storage>): void {
  describe(`SubscriptionStore conformance: ${name}`, () => {
    let storage: Storage;
    beforeAll(async () => {
      storage = await factory();
    });
    afterAll(async () => {
      await storage?.close();
    });

    it('creates, reads, lists, changes and deletes a subscription', async () => {
      const key = freshKey('sub_a');
      const created = await storage.createSubscription(key, config({ description: 'orders to billing' }), { position: 7, sealedSecret: 'sealed' });
      expect(created).toMatchObject({ ...key, status: 'active', position: 7, consecutiveFailures: 0, pending: null, generation: 0, sealedSecret: 'sealed' });
      expect(await storage.getSubscription(key)).toMatchObject({ url: 'https://receiver.example/hook', eventTypes: ['order.*'], description: 'orders to billing' });
      await storage.createSubscription({ ...key, subscriptionId: 'sub_b' }, config({ eventTypes: null }), { position: 0, sealedSecret: 's2' });
      const page = await storage.listSubscriptions(key, { limit: 1, offset: 0 });
      expect(page).toMatchObject({ total: 2, hasMore: true });
      expect(page.subscriptions.map((s) => s.subscriptionId)).toEqual(['sub_a']);
      const second = await storage.listSubscriptions(key, { limit: 10, offset: 1 });
      expect(second.subscriptions.map((s) => [s.subscriptionId, s.eventTypes])).toEqual([['sub_b', null]]);

      const paused = await storage.updateSubscription(key, { status: 'paused', config: { description: null } });
      expect(paused).toMatchObject({ status: 'paused', description: null, generation: 0 });
      const moved = await storage.updateSubscription(key, { config: { eventTypes: ['payment.captured'], batchSize: 5 } });
      expect(moved).toMatchObject({ status: 'paused', eventTypes: ['payment.captured'], batchSize: 5, generation: 1, position: 7 });
      const replayed = await storage.updateSubscription(key, { position: 0, status: 'active' });
      expect(replayed).toMatchObject({ status: 'active', position: 0, generation: 2 });

      expect(await storage.deleteSubscription(key)).toBe(true);
      expect(await storage.deleteSubscription(key)).toBe(false);
      expect(await storage.getSubscription(key)).toBeNull();
      expect(await storage.updateSubscription(key, { status: 'paused' })).toBeNull();
      expect((await storage.listSubscriptions(key, { limit: 10, offset: 0 })).total).toBe(1);
    });

    it("never shows another organization's subscription", async () => {
      const key = freshKey();
      await storage.createSubscription(key, config(), { position: 0, sealedSecret: 's' });
      await storage.addDeliveryAttempt(key, {
        deliveryId: 'dlv_1',
        fromPosition: 0,
        toPosition: 0,
        eventCount: 1,
        attempt: 1,
        statusCode: 200,
        error: null,
        durationMs: 1,
        attemptedAt: new Date().toISOString(),
      });
      const intruder = { ...key, org: `${key.org}-other` };
      expect(await storage.getSubscription(intruder)).toBeNull();
      expect(await storage.updateSubscription(intruder, { status: 'paused' })).toBeNull();
      expect(await storage.deleteSubscription(intruder)).toBe(false);
      expect(await storage.listSubscriptions(intruder, { limit: 10, offset: 0 })).toEqual({ subscriptions: [], total: 0, hasMore: false });
      expect(await storage.listDeliveryAttempts(intruder, 10)).toEqual([]);
      expect(await storage.acquireLease(intruder, 'me', 10_000)).toBeNull();
      expect(await storage.getSubscription(key)).toMatchObject({ status: 'active' });
    });

    it(`refuses a store's subscription past ${MAX_SUBSCRIPTIONS_PER_STORE}`, async () => {
      const key = freshKey();
      for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_STORE; i++) {
        await storage.createSubscription({ ...key, subscriptionId: `sub_${String(i).padStart(3, '0')}` }, config(), { position: 0, sealedSecret: 's' });
      }
      const error = await storage.createSubscription({ ...key, subscriptionId: 'sub_x' }, config(), { position: 0, sealedSecret: 's' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: 'SUBSCRIPTION_LIMIT' });
      expect(await storage.deleteSubscriptionsOfStore(key)).toBe(MAX_SUBSCRIPTIONS_PER_STORE);
      expect((await storage.listSubscriptions(key, { limit: 100, offset: 0 })).total).toBe(0);
    });

    it('gives the lease to exactly one of many concurrent takers, and renews it only for its holder', async () => {
      const key = freshKey();
      await storage.createSubscription(key, config(), { position: 0, sealedSecret: 's' });
      const takers = Array.from({ length: 8 }, (_, i) => `instance-${i}`);
      const leases = await Promise.all(takers.map((owner) => storage.acquireLease(key, owner, 60_000)));
      const holders = leases.filter((lease) => lease !== null);
      expect(holders).toHaveLength(1);
      const lease = holders[0]!;
      expect(await storage.acquireLease(key, 'latecomer', 60_000)).toBeNull();
      const renewed = await storage.acquireLease(key, lease.owner, 60_000, lease);
      expect(renewed).not.toBeNull();
      expect(renewed!.token).toBeGreaterThan(lease.token);
      // The old token is no longer the lease: renewing with it fails, and so does writing progress with it.
      expect(await storage.acquireLease(key, lease.owner, 60_000, lease)).toBeNull();
      expect(await storage.recordDeliveryProgress(key, lease, delivered(0, 1))).toBe(false);
      expect(await storage.recordDeliveryProgress(key, renewed!, delivered(0, 2))).toBe(true);
      await storage.releaseLease(key, renewed!);
      const next = await storage.acquireLease(key, 'successor', 60_000);
      expect(next).not.toBeNull();
      expect(next!.token).toBeGreaterThan(renewed!.token);
    });

    it('lets another instance take an expired lease and fences the old holder out', async () => {
      const key = freshKey();
      await storage.createSubscription(key, config(), { position: 0, sealedSecret: 's' });
      const old = (await storage.acquireLease(key, 'old', 300))!;
      expect(old).not.toBeNull();
      expect(await storage.recordDeliveryProgress(key, old, delivered(0, 3))).toBe(true);
      await sleep(400);
      const successor = await storage.acquireLease(key, 'successor', 60_000);
      expect(successor).not.toBeNull();
      expect(successor!.token).toBeGreaterThan(old.token);
      // The old holder woke up late: it can neither renew nor write progress.
      expect(await storage.acquireLease(key, 'old', 300, old)).toBeNull();
      expect(await storage.recordDeliveryProgress(key, old, delivered(0, 9))).toBe(false);
      expect(await storage.recordDeliveryProgress(key, successor!, delivered(0, 5))).toBe(true);
      expect(await storage.getSubscription(key)).toMatchObject({ position: 5 });
    });

    it('refuses progress built before a replay or a filter change, keeps paused while recording a batch in flight', async () => {
      const key = freshKey();
      await storage.createSubscription(key, config(), { position: 10, sealedSecret: 's' });
      const lease = (await storage.acquireLease(key, 'me', 60_000))!;
      const failure: DeliveryProgress = {
        generation: 0,
        state: {
          status: 'failing',
          position: 10,
          lastDeliveredAt: null,
          lastError: 'HTTP 500',
          consecutiveFailures: 10,
          nextAttemptAt: new Date(Date.now() + 60_000).toISOString(),
          pending: { deliveryId: 'dlv_1', fromPosition: 10, toPosition: 12, attempts: 10 },
        },
      };
      expect(await storage.recordDeliveryProgress(key, lease, failure)).toBe(true);
      expect(await storage.getSubscription(key)).toMatchObject({ status: 'failing', consecutiveFailures: 10, pending: { deliveryId: 'dlv_1', attempts: 10 } });

      // Resume-like change: retry now, the pending batch stays.
      const resumed = await storage.updateSubscription(key, { status: 'active', retryNow: true });
      expect(resumed).toMatchObject({ status: 'active', nextAttemptAt: null, pending: { deliveryId: 'dlv_1' }, generation: 0 });

      const replayed = await storage.updateSubscription(key, { position: 2 });
      expect(replayed).toMatchObject({ position: 2, pending: null, consecutiveFailures: 0, lastError: null, generation: 1 });
      expect(await storage.recordDeliveryProgress(key, lease, delivered(0, 13))).toBe(false);
      expect(await storage.getSubscription(key)).toMatchObject({ position: 2 });

      await storage.updateSubscription(key, { status: 'paused' });
      expect(await storage.recordDeliveryProgress(key, lease, delivered(1, 4))).toBe(true);
      expect(await storage.getSubscription(key)).toMatchObject({ position: 4, status: 'paused' });

      await storage.deleteSubscription(key);
      expect(await storage.recordDeliveryProgress(key, lease, delivered(1, 5))).toBe(false);
    });

    it('lists deliverable subscriptions of every organization in pages, without the paused ones', async () => {
      const keys = [freshKey('sub_p1'), freshKey('sub_p2'), freshKey('sub_p3')];
      for (const key of keys) await storage.createSubscription(key, config(), { position: 0, sealedSecret: 's' });
      await storage.updateSubscription(keys[1]!, { status: 'paused' });
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 1000; pages++) {
        const page = await storage.listDeliverableSubscriptions(cursor, 2);
        seen.push(...page.subscriptions.map((s) => `${s.org}/${s.subscriptionId}`));
        if (page.subscriptions.length < 2) break;
        cursor = page.cursor;
      }
      expect(seen).toContain(`${keys[0]!.org}/sub_p1`);
      expect(seen).toContain(`${keys[2]!.org}/sub_p3`);
      expect(seen).not.toContain(`${keys[1]!.org}/sub_p2`);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('keeps the newest delivery attempts, newest first', async () => {
      const key = freshKey();
      await storage.createSubscription(key, config(), { position: 0, sealedSecret: 's' });
      const base = Date.now();
      const total = DELIVERY_LOG_SIZE + 30;
      for (let i = 0; i < total; i++) {
        await storage.addDeliveryAttempt(key, {
          deliveryId: `dlv_${i}`,
          fromPosition: i,
          toPosition: i,
          eventCount: 1,
          attempt: 1,
          statusCode: i % 2 === 0 ? 200 : null,
          error: i % 2 === 0 ? null : 'connection refused',
          durationMs: 1.5,
          attemptedAt: new Date(base + i).toISOString(),
        });
      }
      const newest = await storage.listDeliveryAttempts(key, 3);
      expect(newest.map((a) => a.deliveryId)).toEqual([`dlv_${total - 1}`, `dlv_${total - 2}`, `dlv_${total - 3}`]);
      expect(newest[0]).toMatchObject({ statusCode: null, error: 'connection refused', durationMs: 1.5 });
      const kept = await storage.listDeliveryAttempts(key, 1000);
      expect(kept.length).toBeGreaterThanOrEqual(DELIVERY_LOG_SIZE);
      expect(kept.length).toBeLessThan(total);
    });

    it('bounds each log when two subscriptions deliver in turns', async () => {
      const a = freshKey('sub_a');
      const b = { ...a, subscriptionId: 'sub_b' };
      for (const key of [a, b]) await storage.createSubscription(key, config(), { position: 0, sealedSecret: 's' });
      const base = Date.now();
      const each = DELIVERY_LOG_SIZE + 30;
      for (let i = 0; i < each; i++) {
        for (const key of [a, b]) {
          await storage.addDeliveryAttempt(key, {
            deliveryId: `dlv_${i}`,
            fromPosition: i,
            toPosition: i,
            eventCount: 1,
            attempt: 1,
            statusCode: 200,
            error: null,
            durationMs: 1,
            attemptedAt: new Date(base + i).toISOString(),
          });
        }
      }
      // Pruning may run in steps (every 20th attempt): between DELIVERY_LOG_SIZE and + 20 each.
      for (const key of [a, b]) expect((await storage.listDeliveryAttempts(key, 1000)).length).toBeLessThanOrEqual(DELIVERY_LOG_SIZE + 20);
    });

    it('creates the secret sealing key once', async () => {
      let generated = 0;
      const generate = () => `key-${++generated}`;
      const first = await storage.loadSecretSealingKey(generate);
      const again = await storage.loadSecretSealingKey(generate);
      expect(again).toBe(first);
      expect(generated).toBeLessThanOrEqual(1);
    });
  });
}
