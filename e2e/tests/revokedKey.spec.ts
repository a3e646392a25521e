import { createKey, readStream, revokeKey } from '../support/api';
import { appendEvent, expect, expectQueued, openStream, signIn, snapshot, test } from '../support/fixtures';

test('revoked key: sign-in prompt, the queue pauses, and resumes with a new key', async ({ page, server }, testInfo) => {
  const store = 'revoked';
  const first = await createKey(server.url, server.adminKey, ['append', 'read'], 'operator laptop');
  await signIn(page, server.url, first.key);
  await openStream(page, server.url, store, 'ticket-1');

  // When the key is revoked (by an admin elsewhere) and the operator appends
  await revokeKey(server.url, server.adminKey, first.info.keyId);
  // A refused read already asks for a new key
  await page.getByRole('button', { name: 'Refresh' }).click();
  await expect(page.getByRole('region', { name: /Sign in again/ })).toBeVisible();
  await appendEvent(page, { type: 'TicketOpened', data: '{"title": "printer on fire"}' });
  await expectQueued(page);

  // Then the app asks for a new key; the append waits, paused, in the outbox
  const prompt = page.getByRole('region', { name: /Sign in again/ });
  await expect(prompt).toBeVisible();
  await expect(page.getByTestId('status-sync')).toHaveText('Paused: key refused');
  await expect(page.getByTestId('status-pending')).toContainText('1');
  await page.getByRole('link', { name: /Outbox/ }).click();
  await expect(page.getByTestId('outbox-entry')).toHaveAttribute('data-state', 'paused');
  await snapshot(page, testInfo, 'revoked-key-prompt');
  expect(await readStream(server.url, server.adminKey, store, 'ticket-1')).toEqual([]);

  // A wrong key is refused in place
  await prompt.getByLabel('New API key').fill(first.key);
  await prompt.getByRole('button', { name: 'Use this key' }).click();
  await expect(prompt.getByRole('alert')).toContainText('does not accept');

  // When they give a valid key, sync resumes and the append lands once
  const second = await createKey(server.url, server.adminKey, ['append', 'read'], 'operator laptop, new');
  await prompt.getByLabel('New API key').fill(second.key);
  await prompt.getByRole('button', { name: 'Use this key' }).click();
  await expect(prompt).toBeHidden();
  await expect(page.getByTestId('status-pending')).toContainText('0');
  const events = await readStream(server.url, server.adminKey, store, 'ticket-1');
  expect(events.map((event) => event.type)).toEqual(['TicketOpened']);
});
