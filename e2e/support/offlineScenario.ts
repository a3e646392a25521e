import type { Page, TestInfo } from '@playwright/test';
import { readStream } from './api';
import { launchProfile } from './browser';
import { appendEvent, expect, expectQueued, signIn, snapshot, waitForServiceWorker } from './fixtures';
import type { ServerProcess } from './serverProcess';

/**
 * Offline → three appends on two streams → reload → still queued → close the page, open a new one
 * on the same profile → online → synced in order, each event exactly once on the server. Run on
 * each storage backend.
 */
export async function offlineReloadScenario(server: ServerProcess, store: string, testInfo: TestInfo): Promise<void> {
  const profile = await launchProfile();
  try {
    const { context } = profile;
    let page: Page = context.pages()[0] ?? (await context.newPage());

    // Given a signed-in operator whose browser has the app (service worker) and the stream page
    await signIn(page, server.url, server.adminKey);
    await page.goto(`${server.url}/stores/${store}/streams/cart-1`);
    await expect(page.getByTestId('stream-cache')).toContainText('Loaded');
    await waitForServiceWorker(page);

    // When the network goes away and they append three times on two streams
    await context.setOffline(true);
    await expect(page.getByTestId('status-online')).toHaveText('Offline');
    await appendEvent(page, { type: 'ItemAdded', data: '{"sku": "A-1", "n": 1}' });
    await expectQueued(page);
    await appendEvent(page, { type: 'ItemAdded', data: '{"sku": "B-2", "n": 2}' });
    await expectQueued(page);
    // A page never opened before still loads: the service worker serves the app shell.
    await page.goto(`${server.url}/stores/${store}/streams/cart-2`);
    await expect(page.getByRole('heading', { level: 1, name: 'cart-2' })).toBeVisible();
    await appendEvent(page, { type: 'CartOpened', data: '{"by": "offline"}' });
    await expectQueued(page);
    await expect(page.getByTestId('status-pending')).toContainText('3');

    // And reload with no network: the app and its outbox are still there
    await page.reload();
    await page.getByRole('link', { name: /Outbox/ }).click();
    const entries = page.getByTestId('outbox-entry');
    await expect(entries).toHaveCount(3);
    for (const state of await entries.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')))) {
      expect(['pending', 'syncing']).toContain(state);
    }
    await expect(page.getByTestId('status-online')).toHaveText('Offline');
    await snapshot(page, testInfo, 'offline-outbox-after-reload');

    // And close the page, then open a new one on the same profile, still offline
    await page.close();
    page = await context.newPage();
    await page.goto(`${server.url}/outbox`);
    await expect(page.getByTestId('outbox-entry')).toHaveCount(3);
    await expect(page.getByTestId('status-pending')).toContainText('3');

    // Then, back online, everything syncs in order, each event exactly once
    await context.setOffline(false);
    await expect(page.getByTestId('status-pending')).toContainText('0', { timeout: 30_000 });
    await page.getByLabel('Show synced').check();
    await expect(page.locator('[data-testid="outbox-entry"][data-state="synced"]')).toHaveCount(3);
    await snapshot(page, testInfo, 'offline-synced');

    const cart1 = await readStream(server.url, server.adminKey, store, 'cart-1');
    expect(cart1.map((event) => [event.streamPosition, event.type, event.data])).toEqual([
      [0, 'ItemAdded', { sku: 'A-1', n: 1 }],
      [1, 'ItemAdded', { sku: 'B-2', n: 2 }],
    ]);
    const cart2 = await readStream(server.url, server.adminKey, store, 'cart-2');
    expect(cart2.map((event) => [event.streamPosition, event.type])).toEqual([[0, 'CartOpened']]);
    expect(new Set([...cart1, ...cart2].map((event) => event.eventId)).size).toBe(3);
  } finally {
    await profile.dispose();
  }
}

