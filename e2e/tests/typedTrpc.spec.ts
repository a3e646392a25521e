import { appendDirect, createKey } from '../support/api';
import { expect, signIn, test } from '../support/fixtures';

test('typed tRPC: every read and admin call of the app goes through batched /trpc procedures, none through REST', async ({ page, server }) => {
  const store = 'typed-reads';
  expect((await appendDirect(server.url, server.adminKey, store, 'doc-1', { events: [{ type: 'Written', data: { n: 1 } }] })).status).toBe(200);
  const rest: string[] = [];
  const procedures = new Set<string>();
  let batched = 0;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) rest.push(`${request.method()} ${url.pathname}`);
    if (url.pathname.startsWith('/trpc/')) {
      const paths = url.pathname.slice('/trpc/'.length).split(',');
      paths.forEach((path) => procedures.add(path));
      if (url.searchParams.get('batch') === '1') batched++;
      // The key is sent in a header, never in a URL
      expect(request.url()).not.toContain(server.adminKey);
    }
  });
  await signIn(page, server.url, server.adminKey);
  // The worker's server holds other tests' stores too: this one may be on another page of the list.
  await page.goto(`${server.url}/stores/${store}`);
  await expect(page.getByTestId('store-events')).toHaveText('1');
  await page.getByRole('link', { name: 'Explore events' }).click();
  await expect(page.getByTestId('explorer-row')).toHaveCount(1);
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Name (optional)').fill('typed');
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByTestId('new-api-key')).toContainText('el_');
  await page.getByRole('link', { name: 'Health', exact: true }).click();
  await expect(page.getByTestId('health-storage')).toBeVisible();
  for (const procedure of ['apiKeys.list', 'eventStores.list', 'eventStores.get', 'streams.list', 'stats.eventCountsByType', 'stats.eventsPerMinute', 'events.search', 'apiKeys.create', 'system.info']) {
    expect([...procedures], procedure).toContain(procedure);
  }
  expect(batched).toBeGreaterThan(0);
  expect(rest).toEqual([]);
  // And a key made there works
  const made = await createKey(server.url, server.adminKey, ['read']);
  expect(made.key).toMatch(/^el_/);
});
