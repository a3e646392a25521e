import { appendDirect } from '../support/api';
import { expect, signIn, snapshot, test } from '../support/fixtures';

test('stream view: 100,000 events in a virtualized list', async ({ page, server }, testInfo) => {
  test.setTimeout(240_000);
  const store = 'big';
  const stream = 'sensor-firehose';
  // 100 appends of 1000 events (the most one append may hold)
  for (let batch = 0; batch < 100; batch++) {
    const events = Array.from({ length: 1000 }, (_, i) => ({ type: i % 10 === 0 ? 'Calibrated' : 'Reading', data: { n: batch * 1000 + i } }));
    const response = await appendDirect(server.url, server.adminKey, store, stream, { events, options: { expectedStreamVersion: batch * 1000 } });
    expect(response.status).toBe(200);
  }

  await signIn(page, server.url, server.adminKey);
  await page.goto(`${server.url}/stores/${store}/streams/${stream}`);
  await expect(page.getByTestId('stream-version')).toHaveText('100000', { timeout: 180_000 });

  // Only the rows in view are rendered, wherever the list is scrolled to
  const list = page.getByTestId('event-list');
  const rows = page.getByTestId('event-row');
  expect(await rows.count()).toBeLessThan(40);
  await list.evaluate((element) => (element.scrollTop = element.scrollHeight / 2));
  await expect(rows.filter({ hasText: 'position 50000' })).toHaveCount(1);
  await list.focus();
  await page.keyboard.press('End');
  await expect(rows.filter({ hasText: 'position 99999' })).toHaveCount(1);
  expect(await rows.count()).toBeLessThan(40);
  await snapshot(page, testInfo, 'stream-100k');
});
