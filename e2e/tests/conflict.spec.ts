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

test('conflict: edit the append (new data, no expectation), or discard it', async ({ page, server }) => {
  const store = 'conflicts-edit';
  const stream = 'doc-3';
  const other = (n: number) => appendDirect(server.url, server.adminKey, store, stream, { events: [{ type: 'Edited', data: { by: 'other', n } }] });
  expect((await other(1)).status).toBe(200);
  await signIn(page, server.url, server.adminKey);
  await openStream(page, server.url, store, stream);
  await expect(page.getByTestId('stream-version')).toHaveText('1');
  expect((await other(2)).status).toBe(200);

  // Two appends against the stale head: the first conflicts, the second waits behind it
  await appendEvent(page, { type: 'Edited', data: '{"by": "me", "n": 1}' });
  await expectQueued(page);
  await appendEvent(page, { type: 'Edited', data: '{"by": "me", "n": 2}' });
  await expectQueued(page);
  await page.getByRole('link', { name: /Outbox/ }).click();
  const entries = page.getByTestId('outbox-entry');
  await expect(entries.first()).toHaveAttribute('data-state', 'conflict');
  await expect(entries.nth(1)).toHaveAttribute('data-state', 'pending');

  // Edit the first: new data, expectation "any"; the one chained behind it moves along
  await entries.first().getByRole('button', { name: 'Edit' }).click();
  await entries.first().getByLabel('Events (JSON array)').fill('[{"type": "Edited", "data": {"by": "me", "n": 1, "merged": true}}]');
  await entries.first().getByLabel('Expected version').fill('any');
  await entries.first().getByRole('button', { name: 'Save and resend' }).click();
  await expect(page.getByText('Nothing waiting')).toBeVisible();
  expect((await readStream(server.url, server.adminKey, store, stream)).map((event) => event.data)).toEqual([
    { by: 'other', n: 1 },
    { by: 'other', n: 2 },
    { by: 'me', n: 1, merged: true },
    { by: 'me', n: 2 },
  ]);

  // Another conflict, discarded this time: nothing of it reaches the server
  await page.getByRole('link', { name: /Stores/ }).click();
  await openStream(page, server.url, store, stream);
  await expect(page.getByTestId('stream-version')).toHaveText('4');
  expect((await other(3)).status).toBe(200);
  await appendEvent(page, { type: 'Edited', data: '{"by": "me", "n": 3}' });
  await expectQueued(page);
  await page.getByRole('link', { name: /Outbox/ }).click();
  const conflicted = page.locator('[data-testid="outbox-entry"][data-state="conflict"]');
  await expect(conflicted).toHaveCount(1);
  page.once('dialog', (dialog) => void dialog.accept());
  await conflicted.getByRole('button', { name: 'Discard' }).click();
  await expect(page.getByText('Nothing waiting')).toBeVisible();
  await expect(page.getByTestId('status-pending')).toContainText('0');
  const events = await readStream(server.url, server.adminKey, store, stream);
  expect(events).toHaveLength(5);
  expect(events[4]!.data).toEqual({ by: 'other', n: 3 });
});
