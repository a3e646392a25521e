import { appendDirect } from '../support/api';
import { expect, openStream, signIn, test } from '../support/fixtures';

test('live tail: events appended elsewhere show up in the stream view while it is on', async ({ page, server }) => {
  const store = 'live';
  const stream = 'chat-1';
  const post = (text: string) => appendDirect(server.url, server.adminKey, store, stream, { events: [{ type: 'MessagePosted', data: { text } }] });
  expect((await post('first')).status).toBe(200);

  await signIn(page, server.url, server.adminKey);
  await openStream(page, server.url, store, stream);
  await expect(page.getByTestId('event-row')).toHaveCount(1);

  // Off: another client's append is not fetched by itself
  expect((await post('second')).status).toBe(200);
  await page.waitForTimeout(1_500);
  await expect(page.getByTestId('event-row')).toHaveCount(1);

  // On: it catches up, and follows new events as they are appended
  const tail = page.waitForResponse((response) => response.url().includes('/trpc/streams.tail'));
  await page.getByLabel('Live tail').check();
  // Pushed by the server's tail subscription (SSE), not polled
  expect((await tail).status()).toBe(200);
  await expect(page.getByTestId('event-row')).toHaveCount(2);
  expect((await post('third')).status).toBe(200);
  await expect(page.getByTestId('event-row')).toHaveCount(3);
  await expect(page.getByTestId('event-row').nth(2)).toContainText('third');
});
