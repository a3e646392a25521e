import { appendDirect } from '../support/api';
import { expect, openStream, snapshot, test } from '../support/fixtures';

test('sign-in errors, keyboard use, a narrow window, and sign-out clearing the key and cached data', async ({ page, server }, testInfo) => {
  const store = 'layout';
  expect((await appendDirect(server.url, server.adminKey, store, 'order-9', { events: [{ type: 'OrderPlaced', data: { total: 3 } }] })).status).toBe(200);

  // A wrong key is refused with a message next to the field
  await page.goto(server.url);
  await page.getByLabel('API key').fill('el_not-a-real-key-at-all-but-shaped-like-one-000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('does not accept');

  // Keyboard only: the key field, then the button, with a visible focus ring
  await page.getByLabel('API key').fill(server.adminKey);
  await page.getByLabel('API key').focus();
  await page.keyboard.press('Tab');
  const focused = page.locator(':focus');
  await expect(focused).toHaveText('Sign in');
  expect(await focused.evaluate((element) => getComputedStyle(element).outlineStyle)).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Event stores' })).toBeVisible();

  // A narrow window: one column, the status bar still there
  await page.setViewportSize({ width: 390, height: 844 });
  await openStream(page, server.url, store, 'order-9');
  await expect(page.getByTestId('event-row')).toHaveCount(1);
  await expect(page.getByTestId('status-online')).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
  await snapshot(page, testInfo, 'narrow-stream-view');
  await page.setViewportSize({ width: 1280, height: 800 });

  // API keys (admin): create one, shown once, then revoke it
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Name (optional)').fill('reporting job');
  await page.getByLabel('admin').uncheck();
  await page.getByRole('button', { name: 'Create key' }).click();
  const created = (await page.getByTestId('new-api-key').textContent())!;
  expect(created).toMatch(/^el_/);
  const row = page.getByRole('row').filter({ hasText: 'reporting job' });
  await expect(row).toContainText('append, read');
  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: /Revoke key/ }).click();
  await expect(row).toContainText('Revoked');
  const refused = await fetch(`${server.url}/api/event-stores`, { headers: { 'X-API-Key': created } });
  expect(refused.status).toBe(401);

  // Sign out: back to the sign-in screen, no key and no cached data left in the browser
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in to Eventlane' })).toBeVisible();
  const left = await page.evaluate(async () => ({
    storage: Object.keys(localStorage).filter((key) => key.startsWith('eventlane-admin')),
    databases: (await indexedDB.databases()).map((db) => db.name),
  }));
  expect(left.storage).toEqual([]);
  expect(left.databases).not.toContain('eventlane-admin');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sign in to Eventlane' })).toBeVisible();
});
