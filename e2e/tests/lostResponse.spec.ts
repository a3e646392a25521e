import { readStream } from '../support/api';
import { appendEvent, expect, expectQueued, openStream, signIn, snapshot, test } from '../support/fixtures';

// Playwright routes only see requests the page makes itself, not ones a service worker answers.
test.use({ serviceWorkers: 'block' });

test('lost response: the append reaches the server, its answer is dropped, the retry writes nothing twice', async ({ page, server }, testInfo) => {
  const store = 'lost-response';
  await signIn(page, server.url, server.adminKey);
  await openStream(page, server.url, store, 'payment-1');

  // The first append request reaches the server (which commits it); its response never arrives.
  let dropped = 0;
  let sent = 0;
  await page.route(`**/api/event-stores/${store}/streams/**`, async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    sent += 1;
    if (dropped === 0) {
      const response = await route.fetch();
      expect(response.status()).toBe(200);
      dropped += 1;
      return route.abort('connectionreset');
    }
    return route.continue();
  });

  await appendEvent(page, { type: 'PaymentCaptured', data: '{"amount": 99}' });
  await expectQueued(page);

  // The app retries with the same event id; the server answers it as an idempotent replay.
  await expect(page.getByTestId('status-pending')).toContainText('0', { timeout: 30_000 });
  await expect(page.getByTestId('event-row')).toHaveCount(1);
  expect(dropped).toBe(1);
  expect(sent).toBeGreaterThanOrEqual(2);

  const events = await readStream(server.url, server.adminKey, store, 'payment-1');
  expect(events.map((event) => [event.type, event.data])).toEqual([['PaymentCaptured', { amount: 99 }]]);

  await page.getByRole('link', { name: /Outbox/ }).click();
  await page.getByLabel('Show synced').check();
  const entry = page.getByTestId('outbox-entry');
  await expect(entry).toHaveAttribute('data-state', 'synced');
  await expect(entry).toContainText('2 attempts');
  await snapshot(page, testInfo, 'lost-response-synced');
});
