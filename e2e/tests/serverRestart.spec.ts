import { readStream } from '../support/api';
import { appendEvent, expect, expectQueued, openStream, signIn, snapshot, test } from '../support/fixtures';
import { startServer } from '../support/serverProcess';

test('server stopped: appends queue, and drain in order once it is back', async ({ page }, testInfo) => {
  const server = await startServer();
  try {
    const store = 'outage';
    await signIn(page, server.url, server.adminKey);
    await openStream(page, server.url, store, 'sensor-1');
    await expect(page.getByTestId('stream-cache')).toContainText('Loaded');

    // When the server goes away (the browser itself still online)
    await server.stop();
    await appendEvent(page, { type: 'Reading', data: '{"celsius": 21.5}' });
    await expectQueued(page);
    await appendEvent(page, { type: 'Reading', data: '{"celsius": 22.0}' });
    await expectQueued(page);

    // Then they wait in the outbox and the status bar says why
    await expect(page.getByTestId('status-error')).toContainText('Network error');
    await expect(page.getByTestId('status-pending')).toContainText('2');
    await snapshot(page, testInfo, 'server-down-queued');

    // When it is back, they drain (the app retries by itself; "Sync now" skips the wait)
    await server.restart();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect(page.getByTestId('status-pending')).toContainText('0', { timeout: 30_000 });
    await expect(page.getByTestId('event-row')).toHaveCount(2);
    const events = await readStream(server.url, server.adminKey, store, 'sensor-1');
    expect(events.map((event) => event.data)).toEqual([{ celsius: 21.5 }, { celsius: 22 }]);
  } finally {
    await server.dispose();
  }
});
