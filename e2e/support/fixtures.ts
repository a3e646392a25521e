import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { startServer, type ServerProcess } from './serverProcess';

/** `server`: one real server process per worker (SQLite), shared by the tests of that worker; each test uses its own store names. */
export const test = base.extend<object, { server: ServerProcess }>({
  server: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from the destructuring
    async ({}, use) => {
      const server = await startServer();
      await use(server);
      await server.dispose();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
});

export { expect };

export async function signIn(page: Page, baseUrl: string, apiKey: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Event stores' })).toBeVisible();
}

/** Resolves once the service worker controls the page, i.e. the app shell is precached and a reload works offline. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
}

export async function openStream(page: Page, baseUrl: string, store: string, streamId: string): Promise<void> {
  await page.goto(`${baseUrl}/stores/${store}/streams/${encodeURIComponent(streamId)}`);
  await expect(page.getByRole('heading', { level: 1, name: streamId })).toBeVisible();
}

/** Fills the append form of the stream view (one event) and submits it. */
export async function appendEvent(page: Page, event: { type: string; data: string; metadata?: string }): Promise<void> {
  const form = page.locator('form.append-form');
  await form.getByLabel('Event type').fill(event.type);
  await form.getByLabel('Data (JSON object)').fill(event.data);
  if (event.metadata !== undefined) await form.getByLabel('Metadata (JSON object, optional)').fill(event.metadata);
  await form.getByRole('button', { name: 'Append', exact: true }).click();
}

export async function expectQueued(page: Page): Promise<void> {
  await expect(page.locator('form.append-form').getByRole('status')).toContainText('Queued as outbox entry');
}

/** Saves a full-page screenshot as an artifact of the test (in its output folder and the HTML report). */
export async function snapshot(page: Page, testInfo: TestInfo, name: string): Promise<string> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: false });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  return path;
}

export function pendingCount(page: Page) {
  return page.getByTestId('status-pending');
}
