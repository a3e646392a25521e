import type { Page } from '@playwright/test';
import { readStream } from '../support/api';
import { appendEvent, expect, expectQueued, openStream, signIn, snapshot, test } from '../support/fixtures';

test('two tabs: one syncs, both show the same outbox, no duplicates', async ({ context, page, server }, testInfo) => {
  const store = 'two-tabs';
  await signIn(page, server.url, server.adminKey);
  // The second tab of the same profile is signed in already (the key is kept per profile).
  const second = await context.newPage();
  await openStream(second, server.url, store, 'shared-1');
  await openStream(page, server.url, store, 'shared-1');

  // Exactly one tab holds the sync lock
  const roles = async () => [await page.getByText(/(This|Another) tab syncs/).textContent(), await second.getByText(/(This|Another) tab syncs/).textContent()];
  await expect.poll(async () => (await roles()).sort()).toEqual(['Another tab syncs', 'This tab syncs']);

  const posts = new Map<Page, number>([
    [page, 0],
    [second, 0],
  ]);
  for (const tab of [page, second]) {
    tab.on('request', (request) => {
      if (request.method() === 'POST' && request.url().includes(`/api/event-stores/${store}/`)) posts.set(tab, posts.get(tab)! + 1);
    });
  }

  // Offline, each tab appends once
  await context.setOffline(true);
  await appendEvent(page, { type: 'NoteAdded', data: '{"from": "tab 1"}' });
  await expectQueued(page);
  await appendEvent(second, { type: 'NoteAdded', data: '{"from": "tab 2"}' });
  await expectQueued(second);

  // Both tabs show the same two queued appends
  for (const tab of [page, second]) {
    await expect(tab.getByTestId('status-pending')).toContainText('2');
    await expect(tab.locator('.queued [data-testid="outbox-entry"]')).toHaveCount(2);
  }
  await snapshot(second, testInfo, 'two-tabs-queued');

  // Online again: they sync once, from one tab
  await context.setOffline(false);
  for (const tab of [page, second]) await expect(tab.getByTestId('status-pending')).toContainText('0', { timeout: 30_000 });
  const events = await readStream(server.url, server.adminKey, store, 'shared-1');
  expect(events.map((event) => event.data)).toEqual([{ from: 'tab 1' }, { from: 'tab 2' }]);
  const senders = [...posts.entries()].filter(([, count]) => count > 0);
  expect(senders).toHaveLength(1);
  const leaderText = await senders[0]![0].getByText(/(This|Another) tab syncs/).textContent();
  expect(leaderText).toBe('This tab syncs');
  for (const tab of [page, second]) await expect(tab.getByTestId('event-row')).toHaveCount(2);

  // Closing the syncing tab hands the lock to the other one
  const [leader] = senders[0]!;
  const follower = leader === page ? second : page;
  await leader.close();
  await expect(follower.getByText('This tab syncs')).toBeVisible();
  await appendEvent(follower, { type: 'NoteAdded', data: '{"from": "the tab left"}' });
  await expect(follower.getByTestId('event-row')).toHaveCount(3);
});
