import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './support/browser';

/**
 * The admin app in Debian's Chromium against real Eventlane server processes (see support/).
 * Never `npx playwright install`: it cannot download here; `scripts/setup.sh --test` installs
 * Debian's chromium instead.
 */
export default defineConfig({
  testDir: './tests',
  outputDir: './test-results/artifacts',
  // One browser at a time: the machine has two cores, shared, and every test runs its own server.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: process.env.CI === 'true' ? 1 : 0,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: './test-results/report' }],
    // Read by scripts/testSummary.mjs, the closing line of `npm test`.
    ['json', { outputFile: fileURLToPath(new URL('../test-results/playwright.json', import.meta.url)) }],
  ],
  use: {
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
});
