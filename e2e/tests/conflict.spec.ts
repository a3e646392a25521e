import { appendDirect, readStream } from '../support/api';
import { appendEvent, expect, expectQueued, openStream, signIn, snapshot, test } from '../support/fixtures';

test('conflict: another client appends meanwhile, the 409 is shown with the new events, rebase succeeds', async ({ page, server }, testInfo) => {
  const store = 'conflicts';
  const stream = 'account-7';
  expect((await appendDirect(server.url, server.adminKey, store, stream, { events: [{ type: 'AccountOpened', data: { owner: 'ada' } }] })).status).toBe(200);

  // Given the operator sees the stream at version 1
  await signIn(page, server.url, server.adminKey);
  await openStream(page, server.url, store, stream);
  await expect(page.getByTestId('stream-version')).toHaveText('1');

  // When another client appends in the meantime
  const other = await appendDirect(server.url, server.adminKey, store, stream, {
    events: [{ type: 'Deposited', data: { amount: 50 } }],
    options: { expectedStreamVersion: 1 },
  });
  expect(other.status).toBe(200);

  // And the operator appends against the head they saw (1)
  await appendEvent(page, { type: 'Withdrawn', data: '{"amount": 20}' });
  await expectQueued(page);

  // Then the conflict is shown: the stream's version now and the event written since
  await page.getByRole('link', { name: /Outbox/ }).click();
  const entry = page.getByTestId('outbox-entry');
  await expect(entry).toHaveAttribute('data-state', 'conflict');
  await expect(entry.getByTestId('conflict-current')).toHaveText('2');
  await expect(entry.getByTestId('conflict-details')).toContainText('Deposited');
  await expect(page.getByTestId('status-online')).toHaveText('Online');
  await snapshot(page, testInfo, 'conflict');

  // When they rebase onto the current version
  await entry.getByRole('button', { name: 'Rebase onto version 2' }).click();

  // Then it is stored after the other client's event
  await expect(page.getByTestId('status-pending')).toContainText('0');
  await page.getByLabel('Show synced').check();
  await expect(page.getByTestId('outbox-entry')).toHaveAttribute('data-state', 'synced');
  const events = await readStream(server.url, server.adminKey, store, stream);
  expect(events.map((event) => [event.streamPosition, event.type])).toEqual([
    [0, 'AccountOpened'],
    [1, 'Deposited'],
    [2, 'Withdrawn'],
  ]);
  await snapshot(page, testInfo, 'conflict-rebased');
});
