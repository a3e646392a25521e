import { readStream } from '../support/api';
import { appendEvent, expect, expectQueued, signIn, snapshot, test } from '../support/fixtures';

test('append online: visible in the stream view and through the REST read', async ({ page, server }, testInfo) => {
  // Given a signed-in operator who creates a store and opens a new stream
  await signIn(page, server.url, server.adminKey);
  await expect(page.getByTestId('organization')).toHaveText('default');
  await page.getByLabel('Name', { exact: true }).fill('shop');
  await page.getByLabel('Description (optional)').fill('Orders of the web shop');
  await page.getByRole('button', { name: 'Create store' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'shop' })).toBeVisible();
  await page.getByLabel('Stream id to open or start').fill('order-1');
  await page.getByRole('button', { name: 'Open stream' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'order-1' })).toBeVisible();

  // When they append two events, one after the other
  await appendEvent(page, { type: 'OrderPlaced', data: '{"total": 12, "currency": "EUR"}', metadata: '{"by": "e2e"}' });
  await expectQueued(page);
  await appendEvent(page, { type: 'OrderPaid', data: '{"amount": 12}' });
  await expectQueued(page);

  // Then both show in the stream view, synced, in order
  const rows = page.getByTestId('event-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('OrderPlaced');
  await expect(rows.nth(1)).toContainText('OrderPaid');
  await expect(page.getByTestId('stream-version')).toHaveText('2');
  await expect(page.getByTestId('status-pending')).toContainText('0');

  // And the REST read returns exactly those events
  const events = await readStream(server.url, server.adminKey, 'shop', 'order-1');
  expect(events.map((event) => [event.type, event.streamPosition, event.data])).toEqual([
    ['OrderPlaced', 0, { total: 12, currency: 'EUR' }],
    ['OrderPaid', 1, { amount: 12 }],
  ]);
  expect(events[0]!.metadata).toEqual({ by: 'e2e' });
  await snapshot(page, testInfo, 'stream-view');

  // The store page lists the stream with its version
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'shop' }).click();
  await expect(page.getByRole('cell', { name: 'order-1' })).toBeVisible();
  await snapshot(page, testInfo, 'store-overview');
});
