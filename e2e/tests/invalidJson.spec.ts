import { readStream } from '../support/api';
import { expect, openStream, signIn, snapshot, test } from '../support/fixtures';

test('invalid JSON: an inline error, and nothing is queued', async ({ page, server }, testInfo) => {
  const store = 'invalid-json';
  await signIn(page, server.url, server.adminKey);
  await openStream(page, server.url, store, 'doc-1');

  const form = page.locator('form.append-form');
  await form.getByLabel('Event type').fill('DocumentEdited');
  const data = form.getByLabel('Data (JSON object)');
  await data.fill('{"title": "draft",, }');
  await form.getByRole('button', { name: 'Append', exact: true }).click();

  // The field says what is wrong, next to it, and the form says nothing was queued
  await expect(data).toHaveAttribute('aria-invalid', 'true');
  const describedBy = await data.getAttribute('aria-describedby');
  await expect(page.locator(`[id="${describedBy}"]`)).toContainText('Data is not valid JSON');
  await expect(form.getByRole('alert')).toContainText('Nothing was queued');

  // An array is JSON, but not an event's data
  await data.fill('[1, 2]');
  await expect(page.locator(`[id="${describedBy}"]`)).toContainText('must be a JSON object');
  await form.getByRole('button', { name: 'Append', exact: true }).click();
  await snapshot(page, testInfo, 'invalid-json');

  await expect(page.getByTestId('status-pending')).toContainText('0');
  await page.getByRole('link', { name: /Outbox/ }).click();
  await expect(page.getByText('The outbox is empty')).toBeVisible();
  expect(await readStream(server.url, server.adminKey, store, 'doc-1')).toEqual([]);

  // Fixed, it goes through
  await page.goBack();
  await form.getByLabel('Event type').fill('DocumentEdited');
  await form.getByLabel('Data (JSON object)').fill('{"title": "final"}');
  await form.getByRole('button', { name: 'Append', exact: true }).click();
  await expect(page.getByTestId('event-row')).toHaveCount(1);
});
