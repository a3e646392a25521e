import { appendDirect } from '../support/api';
import { expect, signIn, test } from '../support/fixtures';
import { docsScreenshot, seedOrders } from '../support/seed';

test('inspector: identifiers, JSON tree as one Tab stop, raw view, copy, and links to the transaction, the correlation id and the stream', async ({ page, server, context }, testInfo) => {
  const store = 'inspect';
  await seedOrders(server.url, server.adminKey, store, 12);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await signIn(page, server.url, server.adminKey);
  // order-4's six events share one append (transaction) and correlationId corr-4
  await page.goto(`${server.url}/stores/${store}/events?stream=order-4&order=asc`);
  const rows = page.getByTestId('explorer-row');
  await expect(rows).toHaveCount(6);
  await rows.nth(1).getByRole('button').click();
  const inspector = page.getByTestId('inspector');
  await expect(inspector.getByRole('heading', { name: 'order.paid' })).toBeVisible();
  await expect(inspector.getByTestId('inspector-stream-position')).toHaveText('1');
  const globalPosition = Number(await inspector.getByTestId('inspector-global-position').textContent());
  expect(page.url()).toContain(`event=${globalPosition}`);
  for (const label of ['eventId', 'transactionId', 'streamPosition', 'globalPosition', 'schemaVersion', 'createdAt', 'correlationId']) {
    await expect(inspector.locator('dt', { hasText: new RegExp(`^${label}$`) })).toBeVisible();
  }
  await page.evaluate(() => document.querySelector('.explorer-bar')?.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: testInfo.outputPath('inspector.png') });
  await docsScreenshot(page, 'inspector', testInfo.outputPath('inspector.png'));

  // The data tree is one Tab stop, then the metadata tree: not one stop per line or block
  await inspector.getByRole('link', { name: 'same correlationId' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveAttribute('role', 'treeitem');
  expect(await page.evaluate(() => document.activeElement?.closest('[role="tree"]')?.getAttribute('aria-label'))).toBe('data');
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('[role="tree"]')?.getAttribute('aria-label'))).toBe('metadata');
  await page.keyboard.press('Shift+Tab');
  // Arrows move inside the tree; Left closes a node, Right opens it again
  const dataTree = inspector.getByRole('tree', { name: 'data', exact: true });
  const items = dataTree.getByRole('treeitem');
  const open = await items.count();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator(':focus')).toHaveAttribute('data-path', '$.orderId');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowLeft');
  await expect(items).toHaveCount(1);
  await page.keyboard.press('ArrowRight');
  await expect(items).toHaveCount(open);

  // Copy a value with the keyboard (C), and the whole event with its button
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('c');
  await expect(inspector.getByRole('status')).toHaveText('Copied $.orderId');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('4');
  await items.filter({ hasText: 'lines' }).hover();
  await dataTree.getByRole('button', { name: 'Copy $.lines', exact: true }).click();
  expect(JSON.parse(await page.evaluate(() => navigator.clipboard.readText()))).toEqual([{ sku: 'SKU-4', qty: 2 }]);
  await inspector.getByRole('button', { name: 'Copy event' }).click();
  const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as { globalPosition: number; type: string };
  expect(copied).toMatchObject({ globalPosition, type: 'order.paid' });

  // Raw view
  await inspector.getByRole('button', { name: 'Raw JSON' }).click();
  await expect(inspector.getByTestId('inspector-raw')).toContainText('"correlationId": "corr-4"');
  await inspector.getByRole('button', { name: 'Tree view' }).click();

  // Same transaction: the six events of that append
  await inspector.getByRole('link', { name: 'same transaction' }).click();
  await expect(page.getByTestId('explorer-summary')).toContainText('6 matching events shown');
  expect(page.url()).toContain('tx=');
  // Same correlationId
  await page.goto(`${server.url}/stores/${store}/events?stream=order-4&event=${globalPosition}`);
  await page.getByTestId('inspector').getByRole('link', { name: 'same correlationId' }).click();
  await expect(page.getByTestId('explorer-summary')).toContainText('6 matching events shown');
  expect(page.url()).toContain('meta=correlationId&value=corr-4');

  // The stream at that position: the stream view, scrolled to it and marked, inspector open
  await page.goto(`${server.url}/stores/${store}/events?event=${globalPosition}`);
  await page.getByTestId('inspector').getByRole('link', { name: 'order-4 at position 1' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'order-4' })).toBeVisible();
  await expect(page.locator('.event-row.highlighted')).toContainText('position 1');
  await expect(page.getByTestId('inspector').getByTestId('inspector-stream-position')).toHaveText('1');
});

test('stream view: rows as tall as their content, no inner scrolling, newest first', async ({ page, server }) => {
  const store = 'tall-rows';
  const big = { lines: Array.from({ length: 40 }, (_, i) => ({ sku: `SKU-${i}`, qty: i, note: 'x'.repeat(30) })) };
  expect((await appendDirect(server.url, server.adminKey, store, 'cart-1', { events: [{ type: 'Small', data: { a: 1 } }, { type: 'Big', data: big }, { type: 'Small', data: { a: 3 } }] })).status).toBe(200);
  await signIn(page, server.url, server.adminKey);
  await page.goto(`${server.url}/stores/${store}/streams/cart-1`);
  const rows = page.getByTestId('event-row');
  await expect(rows).toHaveCount(3);
  const heights = await rows.evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().height));
  expect(heights[1]!).toBeGreaterThan(400);
  expect(heights[0]!).toBeLessThan(168);
  // No JSON block scrolls inside its row (a scrolling box would also be a Tab stop of its own)
  const scrolling = await page.locator('[data-testid="event-list"] pre').evaluateAll((nodes) => nodes.filter((node) => node.scrollHeight > node.clientHeight + 1).length);
  expect(scrolling).toBe(0);
  // Newest first, remembered
  await page.getByLabel('Newest first').check();
  await expect(rows.first().getByTestId('stream-position')).toHaveText('2');
  await page.reload();
  await expect(rows.first().getByTestId('stream-position')).toHaveText('2');
  await page.getByLabel('Newest first').uncheck();
  await expect(rows.first().getByTestId('stream-position')).toHaveText('0');
});
