import { readStream } from '../support/api';
import { appendEvent, expect, expectQueued, test, waitForServiceWorker } from '../support/fixtures';

test('signing in while offline: the key is kept unchecked, appends queue, and the organization shows once online', async ({ context, page, server }) => {
  const store = 'first-use-offline';
  // The app was opened once (the service worker has it), then the network went away
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Sign in to Eventlane' })).toBeVisible();
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await page.reload();

  await page.getByLabel('API key').fill(server.adminKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('organization')).toHaveText('unknown');
  await page.goto(`${server.url}/stores/${store}/streams/visit-1`);
  await appendEvent(page, { type: 'VisitLogged', data: '{"room": 4}' });
  await expectQueued(page);
  await expect(page.getByTestId('status-pending')).toContainText('1');

  await context.setOffline(false);
  await expect(page.getByTestId('status-pending')).toContainText('0', { timeout: 30_000 });
  await expect(page.getByTestId('organization')).toHaveText('default');
  expect((await readStream(server.url, server.adminKey, store, 'visit-1')).map((event) => event.data)).toEqual([{ room: 4 }]);
});
