import { appendDirect } from '../support/api';
import { expect, signIn, snapshot, test } from '../support/fixtures';
import { docsScreenshot, seedMany, seedOrders } from '../support/seed';

test('explorer: server-side filters kept in the URL, both orders, jump to a position', async ({ page, server }, testInfo) => {
  const store = 'explore-orders';
  const total = await seedOrders(server.url, server.adminKey, store, 30);
  await signIn(page, server.url, server.adminKey);
  await page.goto(`${server.url}/stores/${store}`);
  await page.getByRole('link', { name: 'Explore events' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Events of ${store}` })).toBeVisible();
  const rows = page.getByTestId('explorer-row');
  const summary = page.getByTestId('explorer-summary');
  await expect(summary).toContainText(`${total} matching events shown`);
  // Newest first: the head on top
  await expect(rows.first()).toHaveAttribute('data-position', String(total - 1));
  await snapshot(page, testInfo, 'explorer-all').then((path) => docsScreenshot(page, 'explorer', path));

  // Two types at once: only those, and the filter is in the URL
  const search = (await page.request.get(`${server.url}/api/event-stores/${store}/events/search?type=order.paid&type=customer.tier_changed&limit=1000`, { headers: { 'X-API-Key': server.adminKey } }).then((r) => r.json())) as { events: Array<{ globalPosition: number }> };
  await page.getByRole('checkbox', { name: 'order.paid' }).check();
  await page.getByRole('checkbox', { name: 'customer.tier_changed' }).check();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(summary).toContainText(`${search.events.length} matching events shown`);
  expect(page.url()).toContain('type=order.paid');
  expect(page.url()).toContain('type=customer.tier_changed');
  await expect.poll(async () => [...new Set(await rows.locator('.col-type').allTextContents())].sort()).toEqual(['customer.tier_changed', 'order.paid']);

  // Stream type and an id glob
  await page.getByRole('button', { name: /Clear filters/ }).click();
  await page.getByLabel('Stream type').fill('inventory');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(summary).toContainText('60 matching events shown');
  await page.getByLabel('Stream type').fill('');
  await page.getByLabel('Stream id (glob)').fill('order-1?');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect.poll(async () => [...new Set(await rows.locator('.col-stream').allTextContents())].sort()).toEqual(['order-10', 'order-13', 'order-16', 'order-19']);

  // A metadata field equal to a value (correlationId), shared by one order's events
  await page.getByLabel('Stream id (glob)').fill('');
  await page.getByLabel('Metadata field').fill('correlationId');
  await page.getByLabel('equals').fill('corr-7');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(summary).toContainText('4 matching events shown');
  await expect.poll(async () => [...new Set(await rows.locator('.col-stream').allTextContents())]).toEqual(['order-7']);

  // The view is shared by its URL: a fresh page shows the same
  const shared = page.url();
  const other = await page.context().newPage();
  await other.goto(shared);
  await expect(other.getByTestId('explorer-summary')).toContainText('4 matching events shown');
  await expect(other.getByLabel('equals')).toHaveValue('corr-7');
  await other.close();

  // Oldest first
  await page.getByRole('button', { name: /Clear filters/ }).click();
  await page.getByRole('checkbox', { name: 'Newest first' }).uncheck();
  await expect(rows.first()).toHaveAttribute('data-position', '0');
  expect(page.url()).toContain('order=asc');

  // A time range: nothing before the seed started, everything up to now
  await page.getByLabel('To (before)').fill('2000-01-01T00:00');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page.getByText('No event matches these filters.')).toBeVisible();
  await page.getByLabel('To (before)').fill('');
  await page.getByLabel('From', { exact: true }).fill('2000-01-01T00:00');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(summary).toContainText(`${total} matching events shown`);

  // Jump to a global position: it opens there, in the inspector too
  await page.getByRole('checkbox', { name: 'Newest first' }).check();
  await page.getByLabel('Global position').fill('42');
  await page.getByRole('button', { name: 'Go' }).click();
  await expect(rows.first()).toHaveAttribute('data-position', '42');
  await expect(page.getByTestId('inspector-global-position')).toHaveText('42');
  expect(page.url()).toContain('at=42');
});

test('explorer: virtualized over 20,000 events, loading pages as it scrolls', async ({ page, server }) => {
  test.setTimeout(180_000);
  const store = 'explore-big';
  await seedMany(server.url, server.adminKey, store, 20_000);
  await signIn(page, server.url, server.adminKey);
  await page.goto(`${server.url}/stores/${store}/events`);
  const rows = page.getByTestId('explorer-row');
  await expect(rows.first()).toHaveAttribute('data-position', '19999');
  expect(await rows.count()).toBeLessThan(60);
  const list = page.getByTestId('explorer-list');
  // Scrolling to the end of what is loaded loads the next page
  for (let i = 0; i < 3; i++) await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
  await expect(page.getByTestId('explorer-summary')).toContainText(/([6-9]\d\d|\d,\d\d\d) matching events shown/);
  expect(await rows.count()).toBeLessThan(60);
  // Jump far down: the rows there, still only a screenful in the DOM
  await page.getByLabel('Global position').fill('123');
  await page.getByRole('button', { name: 'Go' }).click();
  await expect(rows.first()).toHaveAttribute('data-position', '123');
  expect(await rows.count()).toBeLessThan(60);
});

test('explorer: follow keeps the newest in view, or says how many arrived while scrolled away', async ({ page, server }, testInfo) => {
  const store = 'explore-follow';
  await seedMany(server.url, server.adminKey, store, 300, 3);
  await signIn(page, server.url, server.adminKey);
  await page.goto(`${server.url}/stores/${store}/events`);
  const rows = page.getByTestId('explorer-row');
  await expect(rows.first()).toHaveAttribute('data-position', '299');
  const tail = page.waitForResponse((response) => response.url().includes('/trpc/events.tail'));
  await page.getByRole('checkbox', { name: 'Follow new events' }).check();
  expect(page.url()).toContain('follow=1');
  expect((await tail).status()).toBe(200);

  const post = (n: number) => appendDirect(server.url, server.adminKey, store, 'live-1', { events: [{ type: 'Live', data: { n } }] });
  // At the top: the new event comes into view
  expect((await post(1)).status).toBe(200);
  await expect(rows.first()).toHaveAttribute('data-position', '300');
  await expect(page.getByTestId('new-events')).toHaveCount(0);

  // Scrolled away: the view stays, and says how many arrived
  const list = page.getByTestId('explorer-list');
  await list.evaluate((element) => (element.scrollTop = 600));
  const firstVisible = async () => list.evaluate((element) => {
    const top = element.getBoundingClientRect().top;
    const row = [...element.querySelectorAll('[data-testid="explorer-row"]')].find((node) => node.getBoundingClientRect().bottom > top + 1);
    return row?.getAttribute('data-position');
  });
  const before = await firstVisible();
  expect((await post(2)).status).toBe(200);
  expect((await post(3)).status).toBe(200);
  await expect(page.getByTestId('new-events')).toHaveText('2 new events ↑');
  expect(await firstVisible()).toBe(before);
  await snapshot(page, testInfo, 'explorer-follow');
  await page.getByTestId('new-events').click();
  await expect(rows.first()).toHaveAttribute('data-position', '302');
  await expect(page.getByTestId('new-events')).toHaveCount(0);
});
