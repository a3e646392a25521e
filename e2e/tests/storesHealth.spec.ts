import { appendDirect } from '../support/api';
import { expect, signIn, snapshot, test } from '../support/fixtures';
import { docsScreenshot, ORDER_TYPES, seedOrders } from '../support/seed';

test('stores list: stream and event counts and the newest event of each store', async ({ page, server }, testInfo) => {
  const written = await seedOrders(server.url, server.adminKey, 'counted-orders', 15);
  expect((await appendDirect(server.url, server.adminKey, 'counted-small', 'note-1', { events: [{ type: 'Noted', data: {} }, { type: 'Noted', data: {} }] })).status).toBe(200);
  await signIn(page, server.url, server.adminKey);
  const row = (name: string) => page.getByTestId('store-row').filter({ hasText: name });
  await expect(row('counted-orders').getByTestId('store-events')).toHaveText(String(written));
  await expect(row('counted-orders').getByTestId('store-streams')).toHaveText('15');
  await expect(row('counted-small').getByTestId('store-events')).toHaveText('2');
  await expect(row('counted-small').getByTestId('store-streams')).toHaveText('1');
  await expect(row('counted-small')).toContainText(String(new Date().getFullYear()));
  await snapshot(page, testInfo, 'stores-list').then((path) => docsScreenshot(page, 'stores-list', path));
});

test('delete a store: only with its name typed again', async ({ page, server }) => {
  const store = 'doomed-store';
  expect((await appendDirect(server.url, server.adminKey, store, 'x-1', { events: [{ type: 'Made', data: {} }] })).status).toBe(200);
  await signIn(page, server.url, server.adminKey);
  await page.goto(`${server.url}/stores/${store}`);
  const zone = page.getByRole('region', { name: 'Delete this store' });
  const confirm = zone.getByLabel(`Type ${store} to confirm`);
  await confirm.fill('doomed');
  await expect(zone.getByRole('button', { name: 'Delete store' })).toBeDisabled();
  await confirm.fill(store);
  await zone.getByRole('button', { name: 'Delete store' }).click();
  await expect(page.getByRole('heading', { name: 'Event stores' })).toBeVisible();
  await expect(page.getByTestId('store-row').first()).toBeVisible();
  await expect(page.getByRole('link', { name: store })).toHaveCount(0);
  const gone = await fetch(`${server.url}/api/event-stores/${store}`, { headers: { 'X-API-Key': server.adminKey } });
  expect(gone.status).toBe(404);
});

test('health page: readiness, storage, version, uptime and metrics figures', async ({ page, server }, testInfo) => {
  const store = 'healthy';
  for (let i = 0; i < 3; i++) expect((await appendDirect(server.url, server.adminKey, store, 'h-1', { events: [{ type: 'Beat', data: { i } }] })).status).toBe(200);
  await signIn(page, server.url, server.adminKey);
  await page.getByRole('link', { name: 'Health', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Server health' })).toBeVisible();
  await expect(page.getByTestId('health-ready')).toHaveText('ready');
  await expect(page.getByTestId('health-storage')).toHaveText('SQLite (embedded)');
  await expect(page.getByTestId('health-version')).toHaveText('0.1.0');
  await expect(page.getByTestId('health-uptime')).toContainText(/\d+ (s|min|h)/);
  await expect.poll(async () => Number((await page.getByTestId('health-appends').textContent())?.replace(/\D/g, ''))).toBeGreaterThanOrEqual(3);
  await expect(page.getByTestId('health-p99')).toContainText('ms');
  const conflicts = Number(await page.getByTestId('health-409').textContent());
  // A conflict elsewhere shows up at the next refresh
  expect((await appendDirect(server.url, server.adminKey, store, 'h-1', { events: [{ type: 'Beat', data: {} }], options: { expectedStreamVersion: 0 } })).status).toBe(409);
  await expect(page.getByTestId('health-409')).toHaveText(String(conflicts + 1), { timeout: 20_000 });
  await expect(page.getByTestId('health-rate')).not.toHaveText('measuring…', { timeout: 20_000 });
  await snapshot(page, testInfo, 'health').then((path) => docsScreenshot(page, 'health', path));
});

test('charts: every type label whole, a chosen window, and a bar opens the explorer filtered by its type', async ({ page, server }, testInfo) => {
  const store = 'charted-orders';
  await seedOrders(server.url, server.adminKey, store, 30);
  await signIn(page, server.url, server.adminKey);
  await page.goto(`${server.url}/stores/${store}`);
  const chart = page.getByTestId('type-chart');
  const labels = chart.getByRole('link');
  await expect(labels).toHaveCount(ORDER_TYPES.length);
  expect(new Set(await labels.allTextContents())).toEqual(new Set(ORDER_TYPES));
  // Not one label is cut: each shows all of its text
  const clipped = await labels.evaluateAll((nodes) => nodes.filter((node) => node.scrollWidth > node.clientWidth + 1 || node.getClientRects().length === 0).map((node) => node.textContent));
  expect(clipped).toEqual([]);
  await page.getByRole('combobox', { name: 'Chart window' }).selectOption('week');
  await expect(page.getByText('Events appended per hour, last week')).toBeVisible();
  await page.getByRole('combobox', { name: 'Chart window' }).selectOption('day');
  await expect(page.getByText('Events appended per hour, last day')).toBeVisible();
  await page.evaluate(() => document.querySelector('.charts')?.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: testInfo.outputPath('charts.png') });
  await docsScreenshot(page, 'charts', testInfo.outputPath('charts.png'));
  const counts = (await (await fetch(`${server.url}/trpc/stats.eventCountsByType?input=${encodeURIComponent(JSON.stringify({ eventStoreName: store }))}`, { headers: { 'X-API-Key': server.adminKey } })).json()) as {
    result: { data: { counts: Array<{ type: string; count: number }> } };
  };
  const tier = counts.result.data.counts.find((row) => row.type === 'customer.tier_changed')!;
  await labels.filter({ hasText: 'customer.tier_changed' }).click();
  await expect(page.getByTestId('explorer-summary')).toContainText(`${tier.count} matching events shown`);
  await expect(page.getByRole('checkbox', { name: 'customer.tier_changed' })).toBeChecked();
});
