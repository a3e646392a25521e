import { appendDirect, createKey, readStream, revokeKey } from '../support/api';
import { launchProfile } from '../support/browser';
import { appendEvent, expect, expectQueued, openStream, signIn, snapshot, test, waitForServiceWorker } from '../support/fixtures';

/* The bugs operators hit (issue 13, "Fix"): one test each. */

test('fix 1: a conflict card shows the version the stream is at now, and rebase reads the head first', async ({ page, server }) => {
  const store = 'fix-rebase';
  const stream = 'account-1';
  const other = (n: number) => appendDirect(server.url, server.adminKey, store, stream, { events: [{ type: 'Other', data: { n } }] });
  expect((await other(1)).status).toBe(200);
  await signIn(page, server.url, server.adminKey);
  await openStream(page, server.url, store, stream);
  await expect(page.getByTestId('stream-version')).toHaveText('1');
  expect((await other(2)).status).toBe(200);
  let conflicts = 0;
  page.on('response', (response) => {
    if (response.status() === 409) conflicts++;
  });
  await appendEvent(page, { type: 'Mine', data: '{"n": 1}' });
  await expectQueued(page);
  await page.getByRole('link', { name: /Outbox/ }).click();
  const entry = page.getByTestId('outbox-entry');
  await expect(entry).toHaveAttribute('data-state', 'conflict');
  await expect(entry.getByTestId('conflict-current')).toHaveText('2');

  // Another writer appends again after the 409: the card, shown again, says 3 (not the 409's 2)
  expect((await other(3)).status).toBe(200);
  await page.getByRole('link', { name: 'Stores', exact: true }).click();
  await page.getByRole('link', { name: /Outbox/ }).click();
  await expect(entry.getByTestId('conflict-current')).toHaveText('3');
  await expect(entry.getByRole('button', { name: 'Rebase onto version 3' })).toBeVisible();

  // And once more while the card is on screen: the rebase reads the head before it resends
  expect((await other(4)).status).toBe(200);
  await entry.getByRole('button', { name: /Rebase onto version/ }).click();
  await page.getByLabel('Show synced').check();
  await expect(entry).toHaveAttribute('data-state', 'synced');
  const events = await readStream(server.url, server.adminKey, store, stream);
  expect(events.map((event) => event.type)).toEqual(['Other', 'Other', 'Other', 'Other', 'Mine']);
  expect(conflicts).toBe(1);
});

test('fix 2: a new key clears the refusal errors and refetches, in this tab and in another', async ({ context, page, server }) => {
  const first = await createKey(server.url, server.adminKey, ['append', 'read', 'admin'], 'laptop');
  await signIn(page, server.url, first.key);
  const tabB = await context.newPage();
  await tabB.goto(`${server.url}/keys`);
  await page.getByRole('link', { name: 'API keys' }).click();
  const laptopRow = (tab: typeof page) => tab.getByRole('row').filter({ hasText: 'laptop' });
  await expect(laptopRow(page)).toContainText('Revoke');

  await revokeKey(server.url, server.adminKey, first.info.keyId);
  // Both tabs learn the key is refused (a read fails with 401)
  for (const tab of [page, tabB]) {
    await tab.reload();
    await expect(tab.getByRole('region', { name: /Sign in again/ })).toBeVisible();
    await expect(tab.getByText('The server refused the API key. Sign in again.')).toBeVisible();
  }

  // A valid key given in tab B: both tabs drop the prompt and the error at once, and list the revoked key as revoked
  const second = await createKey(server.url, server.adminKey, ['append', 'read', 'admin'], 'laptop, new');
  const prompt = tabB.getByRole('region', { name: /Sign in again/ });
  await prompt.getByLabel('New API key').fill(second.key);
  await prompt.getByRole('button', { name: 'Use this key' }).click();
  for (const tab of [tabB, page]) {
    await expect(tab.getByRole('region', { name: /Sign in again/ })).toBeHidden({ timeout: 5_000 });
    await expect(tab.getByText('The server refused the API key. Sign in again.')).toBeHidden({ timeout: 5_000 });
    await expect(laptopRow(tab).filter({ hasNotText: 'new' })).toContainText('Revoked', { timeout: 5_000 });
  }
});

test('fix 3: the form refuses a body the server always rejects, naming the field path', async ({ page, server }) => {
  const store = 'fix-proto';
  await signIn(page, server.url, server.adminKey);
  await openStream(page, server.url, store, 'user-1');
  await appendEvent(page, { type: 'Promoted', data: '{"profile": {"__proto__": {"admin": true}}}' });
  const form = page.locator('form.append-form');
  await expect(form.getByRole('alert')).toContainText('Nothing was queued');
  await expect(form.locator('.field-error')).toContainText('data.profile.__proto__');
  await expect(page.getByTestId('status-pending')).toContainText('0');
  await page.getByRole('link', { name: /Outbox/ }).click();
  await expect(page.getByText('The outbox is empty')).toBeVisible();
});

test('fix 4: an error says its HTTP status once', async ({ page, server }) => {
  const store = 'fix-prefix';
  const key = await createKey(server.url, server.adminKey, ['append', 'read'], 'short-lived');
  await signIn(page, server.url, key.key);
  await openStream(page, server.url, store, 'ticket-1');
  await revokeKey(server.url, server.adminKey, key.info.keyId);
  await appendEvent(page, { type: 'Opened', data: '{}' });
  await expectQueued(page);
  await page.getByRole('link', { name: /Outbox/ }).click();
  const error = page.getByTestId('outbox-entry').getByTestId('entry-error');
  await expect(error).toContainText('HTTP 401');
  expect(await error.textContent()).not.toMatch(/HTTP 401:.*HTTP 401/);
});

test('fixes 5 and 6: offline, a stream or a store never loaded says so; the append checks nothing rather than version 0', async ({ server }, testInfo) => {
  const store = 'fix-offline';
  const profile = await launchProfile();
  try {
    const page = profile.context.pages()[0] ?? (await profile.context.newPage());
    await signIn(page, server.url, server.adminKey);
    await waitForServiceWorker(page);
    // Made after the stores list was read, so that nothing of this store is in the browser
    expect((await appendDirect(server.url, server.adminKey, store, 'elsewhere-1', { events: [1, 2, 3].map((n) => ({ type: 'Made', data: { n } })) })).status).toBe(200);
    await profile.context.setOffline(true);
    await expect(page.getByTestId('status-online')).toHaveText('Offline');

    // A store never opened in this browser: no endless spinner, a sentence
    await page.goto(`${server.url}/stores/${store}`);
    await expect(page.getByTestId('offline-not-cached').first()).toContainText('Offline: the store details were never loaded in this browser, so nothing is cached');
    await expect(page.getByTestId('store-events')).toHaveText('unknown');

    // A stream never opened: its version is unknown, not 0, and the check defaults to `any`
    await page.goto(`${server.url}/stores/${store}/streams/elsewhere-1`);
    await expect(page.getByTestId('stream-version')).toHaveText('unknown');
    await expect(page.getByTestId('stream-cache')).toContainText('Not loaded while offline');
    await expect(page.getByTestId('head-unknown')).toBeVisible();
    await expect(page.getByLabel('Check')).toHaveValue('any');
    await snapshot(page, testInfo, 'offline-stream-never-loaded');
    await appendEvent(page, { type: 'Made', data: '{"n": 4}' });
    await expectQueued(page);
    await expect(page.locator('form.append-form').getByRole('status')).toContainText('expected version any');

    // Back online it lands after the three events, with no conflict
    await profile.context.setOffline(false);
    await expect(page.getByTestId('status-pending')).toContainText('0', { timeout: 30_000 });
    await expect(page.getByTestId('stream-version')).toHaveText('4');
    expect((await readStream(server.url, server.adminKey, store, 'elsewhere-1')).map((event) => event.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  } finally {
    await profile.dispose();
  }
});

test('fix 7: the live tail follows at the end, and says "N new" when scrolled away', async ({ page, server }) => {
  const store = 'fix-tail';
  const stream = 'chat-9';
  const post = (text: string) => appendDirect(server.url, server.adminKey, store, stream, { events: [{ type: 'Posted', data: { text } }] });
  expect((await appendDirect(server.url, server.adminKey, store, stream, { events: Array.from({ length: 30 }, (_, i) => ({ type: 'Posted', data: { text: `old ${i}` } })) })).status).toBe(200);
  await signIn(page, server.url, server.adminKey);
  await openStream(page, server.url, store, stream);
  await page.getByLabel('Live tail').check();
  await expect(page.getByTestId('tail-state')).toHaveText('following new events');
  const list = page.getByTestId('event-list');
  // At the end: a new event comes into view
  await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
  await expect(page.getByTestId('stream-version')).toHaveText('30');
  expect((await post('new 1')).status).toBe(200);
  await expect(page.getByTestId('event-row').filter({ hasText: 'new 1' })).toBeInViewport();
  await expect(page.getByTestId('new-events')).toHaveCount(0);

  // Scrolled up: the view stays, and a notice counts what arrived below
  await list.evaluate((element) => (element.scrollTop = 0));
  expect((await post('new 2')).status).toBe(200);
  expect((await post('new 3')).status).toBe(200);
  await expect(page.getByTestId('new-events')).toHaveText('2 new events ↓');
  await expect(page.getByTestId('event-row').filter({ hasText: 'old 0' })).toBeInViewport();
  await page.getByTestId('new-events').click();
  await expect(page.getByTestId('event-row').filter({ hasText: 'new 3' })).toBeInViewport();
  await expect(page.getByTestId('new-events')).toHaveCount(0);
});

test('fix 8: at 375 px, tables become card rows with whole words, and the header and status bar stay compact', async ({ page, server }, testInfo) => {
  const store = 'inventory-narrow';
  expect((await appendDirect(server.url, server.adminKey, store, 'inventory-12', { events: [{ type: 'Restocked', data: { qty: 4 } }] })).status).toBe(200);
  await signIn(page, server.url, server.adminKey);
  await page.setViewportSize({ width: 375, height: 740 });
  for (const path of ['/stores', `/stores/${store}`, '/keys']) {
    await page.goto(`${server.url}${path}`);
    await expect(page.locator('table.table').first()).toBeVisible();
    await expect(page.locator('table.table td').first()).toBeVisible();
    // No word of a table is split across lines ("invent/ory", "Vers/ion")
    const broken = await page.evaluate(() => {
      const found: string[] = [];
      for (const cell of document.querySelectorAll('table.table th, table.table td')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? '';
          for (const match of text.matchAll(/\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
            if (lines.size > 1) found.push(match[0]);
          }
        }
      }
      return found;
    });
    expect(broken, path).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, path).toBeLessThanOrEqual(1);
  }
  const header = await page.locator('.app-header').boundingBox();
  const statusBar = await page.locator('.status-bar').boundingBox();
  // Before: 210 px for both together at this width
  expect(header!.height + statusBar!.height).toBeLessThanOrEqual(120);
  await page.goto(`${server.url}/stores/${store}`);
  await snapshot(page, testInfo, 'narrow-store');
});
