import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { build } from 'esbuild';
import { atLeast, type BenchContext, type BenchmarkResult, type Cell, type Ratio } from '../context';
import type { DrainArgs, PageRun } from '../browser/drainPage';
import { round } from '../stats';

/** Debian's Chromium, as in e2e/ (Playwright's own browsers cannot be downloaded here). */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/** The page's code and the client library (with Dexie and zod, from the package's source) as one ESM file. */
async function pageBundle(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('../browser/drainPage.ts', import.meta.url))],
    conditions: ['@eventlane/source'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/**
 * The client drain in a real browser: Debian's Chromium (Playwright) with its native IndexedDB,
 * 10,000 single-event appends across 100 streams (200 across 10 with --quick), each stream a chain
 * of exact expected versions, queued while paused, then drained to a SQLite server, with
 * coalescing and without (maxEventsPerAppend 1); next to the same appends sent directly by fetch
 * from the same page, 4 streams at a time (the client's default parallelism).
 */
export async function browserDrain(context: BenchContext): Promise<BenchmarkResult> {
  const streams = context.quick ? 10 : 100;
  const perStream = context.quick ? 20 : 100;
  const maxDrainMs = context.quick ? 60_000 : 300_000;
  const server = await context.server('sqlite');
  const bundle = await pageBundle();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const rows: Cell[][] = [];
  const notes: string[] = [`Chromium ${browser.version()}; the page and the API share the server's origin (the page is served by Playwright's router).`];
  const rates: Record<string, number> = {};
  try {
    const page = await browser.newPage();
    await page.route(`${server.url}/bench.html`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>drain</title>' }));
    await page.route(`${server.url}/bench-client.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: bundle }));
    await page.goto(`${server.url}/bench.html`);
    // Warm the server (and the page's connections) first, as the Node drain benchmark does.
    // A string, not a function: tsx's helpers (__name) would not exist in the page.
    const drain = (args: DrainArgs): Promise<PageRun> => page.evaluate(`import('/bench-client.js').then((page) => page.runDrain(${JSON.stringify(args)}))`);
    await drain({ mode: 'direct', key: server.key, streams: 4, perStream: 5, maxDrainMs });
    for (const mode of ['coalescing', 'no coalescing', 'direct'] as const) {
      const run = await drain({ mode, key: server.key, streams, perStream, maxDrainMs });
      if (run.failed > 0) notes.push(`${mode}: ${run.failed} appends did not sync`);
      if (run.synced + run.failed < run.appends) notes.push(`${mode}: stopped after ${maxDrainMs / 1000} s with ${run.synced} of ${run.appends} synced; the rate is over those`);
      rates[mode] = run.synced / (run.drainMs / 1000);
      rows.push([mode === 'direct' ? 'direct HTTP (fetch from the page, 4 streams at a time)' : `client in Chromium, ${mode}`, run.synced, mode === 'direct' ? null : round(run.enqueueMs), round(run.drainMs), run.requests, round(rates[mode]!)]);
    }
  } finally {
    await browser.close();
  }
  const ratios: Ratio[] = [
    atLeast('Browser drain with coalescing ÷ direct HTTP from the page, events/s', rates.coalescing! / rates.direct!, 1),
    { name: 'Browser drain without coalescing ÷ direct HTTP from the page (context)', value: rates['no coalescing']! / rates.direct!, target: '—', met: null },
  ];
  return {
    name: 'drain-browser',
    title: `Client drain in Chromium with native IndexedDB (${(streams * perStream).toLocaleString('en-US')} appends across ${streams} streams, SQLite server)`,
    tables: [{ title: 'Browser drain', columns: ['sender', 'appends synced', 'enqueue ms', 'drain ms', 'POST requests', 'events/s'], rows }],
    ratios,
    notes,
    seconds: 0,
  };
}
