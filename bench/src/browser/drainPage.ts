/**
 * The browser side of `pnpm bench --only drain-browser`: bundled with the client library by
 * esbuild and loaded into the page, so that no code crosses through page.evaluate.
 */
import { createEventlaneClient } from '@eventlane/client';

export interface DrainArgs {
  mode: 'coalescing' | 'no coalescing' | 'direct';
  key: string;
  streams: number;
  perStream: number;
  maxDrainMs: number;
}

export interface PageRun {
  mode: string;
  appends: number;
  synced: number;
  failed: number;
  enqueueMs: number;
  drainMs: number;
  requests: number;
}

/**
 * Runs in the page. The order payload is the one `makeEvent` builds in Node (bench/src/workload.ts).
 * A client run queues every append while paused (as offline), then resumes and waits for all of
 * them to settle; the direct run sends the same appends by fetch, 4 streams at a time.
 */
export async function runDrain(args: DrainArgs): Promise<PageRun> {
  const event = (i: number) => ({
    type: 'order.placed',
    data: { orderId: `o-${i}`, customerId: 'c-42', total: 12.5 + i, currency: 'EUR', lines: [{ sku: 'sku-1', qty: 2 }] },
    metadata: { correlationId: 'bench' },
  });
  const prefix = `browser-drain-${args.mode.replace(/ /g, '-')}-${Date.now().toString(36)}`;
  const expected = (k: number) => (k === 0 ? 'no_stream' : k);
  let requests = 0;
  const realFetch = globalThis.fetch.bind(globalThis);
  const countingFetch: typeof fetch = (input, init) => {
    if ((init?.method ?? 'GET') === 'POST') requests += 1;
    return realFetch(input, init);
  };
  if (args.mode === 'direct') {
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < args.streams) {
          const s = next++;
          for (let k = 0; k < args.perStream; k += 1) {
            const response = await countingFetch(`/api/event-stores/bench/streams/${prefix}-${s}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': args.key },
              body: JSON.stringify({ events: [{ ...event(k), eventId: crypto.randomUUID() }], options: { expectedStreamVersion: expected(k) } }),
            });
            if (response.status !== 200) throw new Error(`direct append: HTTP ${response.status}`);
            await response.arrayBuffer();
          }
        }
      }),
    );
    const total = args.streams * args.perStream;
    return { mode: args.mode, appends: total, synced: total, failed: 0, enqueueMs: 0, drainMs: performance.now() - start, requests };
  }
  const client = createEventlaneClient({
    baseUrl: location.origin,
    apiKey: args.key,
    dbName: prefix,
    fetch: countingFetch,
    ...(args.mode === 'no coalescing' ? { limits: { maxEventsPerAppend: 1 } } : {}),
  });
  await client.pause();
  const enqueueStart = performance.now();
  const settled: Array<Promise<{ state: string }>> = [];
  for (let k = 0; k < args.perStream; k += 1)
    for (let s = 0; s < args.streams; s += 1) {
      const queued = await client.append('bench', `${prefix}-${s}`, [event(k)], { expectedStreamVersion: expected(k) });
      settled.push(queued.settled);
    }
  const enqueueMs = performance.now() - enqueueStart;
  let synced = 0;
  let failed = 0;
  for (const outcome of settled) void outcome.then((o) => (o.state === 'synced' ? (synced += 1) : (failed += 1)));
  const drainStart = performance.now();
  await client.resume();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([Promise.all(settled), new Promise((resolve) => (timer = setTimeout(resolve, args.maxDrainMs)))]);
  clearTimeout(timer);
  const drainMs = performance.now() - drainStart;
  await client.pause();
  await client.close();
  return { mode: args.mode, appends: settled.length, synced, failed, enqueueMs, drainMs, requests };
}

