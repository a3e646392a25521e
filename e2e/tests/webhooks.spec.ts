import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test as base, expect, type Page } from '@playwright/test';
import { appendEvent, expectQueued, signIn, snapshot } from '../support/fixtures';
import { startServer, type ServerProcess } from '../support/serverProcess';

/** A receiver started by the test on 127.0.0.1: records every request, answers 500 while `failing`. */
interface Receiver {
  url: string;
  requests: Array<{ rawBody: string; signature: string; deliveryId: string; events: Array<{ type: string; data: Record<string, unknown> }>; status: number }>;
  failing: boolean;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', requests: [], failing: false, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(rawBody) as { deliveryId: string; events: Receiver['requests'][number]['events'] };
      const status = receiver.failing ? 500 : 200;
      receiver.requests.push({ rawBody, signature: String(req.headers['x-eventlane-signature']), deliveryId: body.deliveryId, events: body.events, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/eventlane`;
  receiver.close = () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return receiver;
}

/** The README's five lines, as a receiver runs them. */
function verify(rawBody: string, header: string, secret: string): boolean {
  const { t, v1 } = Object.fromEntries(header.split(',').map((kv) => kv.split('='))) as { t: string; v1: string };
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return Math.abs(Date.now() / 1000 - Number(t)) <= 300 && v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}

// A server of its own: it must allow the receiver's loopback address, and retries are sped up so
// that ten failures (the `failing` status) take seconds, not minutes.
const test = base.extend<object, { hookServer: ServerProcess }>({
  hookServer: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from the destructuring
    async ({}, use) => {
      const server = await startServer({
        WEBHOOK_ALLOW_PRIVATE_NETWORK: 'true',
        WEBHOOK_RETRY_INITIAL_DELAY_MS: '20',
        WEBHOOK_RETRY_MAX_DELAY_MS: '300',
      });
      await use(server);
      await server.dispose();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
});

/**
 * What the page asks the server about subscriptions: the tRPC procedures it calls, and any REST
 * subscription route (there must be none: the tab speaks typed tRPC `subscriptions.*`).
 */
function recordSubscriptionCalls(page: Page): { procedures: Set<string>; rest: string[] } {
  const calls = { procedures: new Set<string>(), rest: [] as string[] };
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/trpc/')) pathname.slice('/trpc/'.length).split(',').forEach((path) => calls.procedures.add(path));
    if (pathname.startsWith('/api/') && pathname.includes('/subscriptions')) calls.rest.push(`${request.method()} ${pathname}`);
  });
  return calls;
}

async function createStore(page: Page, name: string): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create store' }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
}

async function openSubscriptions(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Store sections' }).getByRole('link', { name: 'Subscriptions' }).click();
  await expect(page.getByRole('heading', { name: 'Create a subscription' })).toBeVisible();
}

async function createSubscription(page: Page, url: string, options: { eventTypes?: string } = {}): Promise<string> {
  await page.getByLabel('Endpoint URL').fill(url);
  if (options.eventTypes) await page.getByLabel(/^Event types/).fill(options.eventTypes);
  await page.getByRole('button', { name: 'Create subscription' }).click();
  const secret = page.getByTestId('new-subscription-secret');
  await expect(secret).toHaveText(/^whsec_[A-Za-z0-9_-]{43}$/);
  return (await secret.textContent())!;
}

test('webhooks: create a subscription in the app, append in the app, see the events delivered; then failing, then recovery', async ({ page, context, hookServer }, testInfo) => {
  const receiver = await startReceiver();
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hookServer.url });
    const calls = recordSubscriptionCalls(page);
    // Given a store and a subscription to a receiver, created in the app
    await signIn(page, hookServer.url, hookServer.adminKey);
    await createStore(page, 'shop');
    await openSubscriptions(page);
    await expect(page.getByText('No subscriptions yet.')).toBeVisible();
    const secret = await createSubscription(page, receiver.url, { eventTypes: 'order.*' });
    // The secret is shown once, with a copy button
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    const row = page.getByTestId('subscription-row');
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('subscription-status')).toHaveText('active');
    await snapshot(page, testInfo, 'subscription-created');

    // When two events are appended in the app (one of a type the subscription does not take)
    await page.getByRole('navigation', { name: 'Store sections' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByLabel('Stream id to open or start').fill('order-1');
    await page.getByRole('button', { name: 'Open stream' }).click();
    await appendEvent(page, { type: 'order.placed', data: '{"total": 12}' });
    await expectQueued(page);
    await appendEvent(page, { type: 'note.added', data: '{"text": "not delivered"}' });
    await expectQueued(page);
    await appendEvent(page, { type: 'order.paid', data: '{"amount": 12}' });
    await expectQueued(page);

    // Then the receiver gets the matching ones, in order, signed with the secret shown at creation
    await expect.poll(() => receiver.requests.flatMap((r) => r.events.map((e) => e.type))).toEqual(['order.placed', 'order.paid']);
    for (const request of receiver.requests) expect(verify(request.rawBody, request.signature, secret)).toBe(true);
    await page.goto(`${hookServer.url}/stores/shop/subscriptions`);
    await expect(row.getByTestId('subscription-lag')).toHaveText('0');
    await expect(row.getByTestId('subscription-last-delivery')).not.toHaveText('—');
    await expect(row.getByTestId('subscription-last-error')).toHaveText('—');

    // When the receiver starts failing, the next event is retried until the status shows failing
    receiver.failing = true;
    await page.goto(`${hookServer.url}/stores/shop/streams/order-1`);
    await appendEvent(page, { type: 'order.shipped', data: '{"carrier": "DHL"}' });
    await expectQueued(page);
    await page.goto(`${hookServer.url}/stores/shop/subscriptions`);
    await expect(row.getByTestId('subscription-status')).toHaveText('failing', { timeout: 30_000 });
    await expect(row.getByTestId('subscription-last-error')).toHaveText('HTTP 500');
    await expect(row.getByTestId('subscription-lag')).toHaveText('1');
    await row.getByRole('button', { name: 'Deliveries' }).click();
    await expect(page.getByTestId('delivery-attempt').filter({ hasText: 'HTTP 500' }).first()).toBeVisible();
    await snapshot(page, testInfo, 'subscription-failing');

    // Then, once it answers again, the same batch goes through and the subscription recovers
    receiver.failing = false;
    await expect(row.getByTestId('subscription-status')).toHaveText('active', { timeout: 30_000 });
    await expect(row.getByTestId('subscription-lag')).toHaveText('0');
    await expect(row.getByTestId('subscription-last-error')).toHaveText('—');
    await expect(page.getByTestId('delivery-attempt').filter({ hasText: '200 delivered' }).first()).toBeVisible();
    const delivered = receiver.requests.filter((r) => r.status === 200).flatMap((r) => r.events.map((e) => e.type));
    expect(delivered).toEqual(['order.placed', 'order.paid', 'order.shipped']);
    // Every failed attempt and the success carried the same delivery id
    const shipped = receiver.requests.filter((r) => r.events.some((e) => e.type === 'order.shipped'));
    expect(new Set(shipped.map((r) => r.deliveryId)).size).toBe(1);
    expect(shipped.length).toBeGreaterThanOrEqual(11);
    for (const procedure of ['subscriptions.list', 'subscriptions.create', 'subscriptions.deliveries']) expect([...calls.procedures]).toContain(procedure);
    expect(calls.rest).toEqual([]);
    await snapshot(page, testInfo, 'subscription-recovered');
  } finally {
    await receiver.close();
  }
});

test('webhooks: pause and resume, replay from a position, delete', async ({ page, hookServer }) => {
  const receiver = await startReceiver();
  try {
    const calls = recordSubscriptionCalls(page);
    await signIn(page, hookServer.url, hookServer.adminKey);
    await createStore(page, 'ledger');
    const append = (type: string) =>
      fetch(`${hookServer.url}/api/event-stores/ledger/streams/acct-1`, {
        method: 'POST',
        headers: { 'x-api-key': hookServer.adminKey, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ type, data: {} }] }),
      });
    await openSubscriptions(page);
    await createSubscription(page, receiver.url);
    const row = page.getByTestId('subscription-row');
    expect((await append('a')).status).toBe(200);
    await expect.poll(() => receiver.requests.length).toBe(1);

    // Pause: nothing is sent while paused; resume sends what was appended meanwhile
    await row.getByRole('button', { name: 'Pause' }).click();
    await expect(row.getByTestId('subscription-status')).toHaveText('paused');
    expect((await append('b')).status).toBe(200);
    await expect(row.getByTestId('subscription-lag')).toHaveText('1');
    expect(receiver.requests).toHaveLength(1);
    await row.getByRole('button', { name: 'Resume' }).click();
    await expect(row.getByTestId('subscription-status')).toHaveText('active');
    await expect.poll(() => receiver.requests.flatMap((r) => r.events.map((e) => e.type))).toEqual(['a', 'b']);

    // Replay from position 0: both again
    await row.getByRole('button', { name: 'Replay…' }).click();
    await row.getByRole('textbox', { name: /^Replay from/ }).fill('0');
    await row.getByRole('button', { name: 'Replay', exact: true }).click();
    await expect.poll(() => receiver.requests.flatMap((r) => r.events.map((e) => e.type))).toEqual(['a', 'b', 'a', 'b']);

    // Delete: gone from the list, nothing sent afterwards
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Delete' }).click();
    await expect(row).toHaveCount(0);
    expect((await append('c')).status).toBe(200);
    await page.waitForTimeout(1_500);
    expect(receiver.requests.flatMap((r) => r.events.map((e) => e.type))).toEqual(['a', 'b', 'a', 'b']);
    for (const procedure of ['subscriptions.update', 'subscriptions.replay', 'subscriptions.delete']) expect([...calls.procedures]).toContain(procedure);
    expect(calls.rest).toEqual([]);
  } finally {
    await receiver.close();
  }
});
