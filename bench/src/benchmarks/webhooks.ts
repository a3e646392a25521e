import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchContext, BenchmarkResult, Cell } from '../context';
import { HTTP_TARGETS } from './httpAppends';
import { percentile, round } from '../stats';
import { appendPath, makeEvents } from '../workload';

/** A receiver on 127.0.0.1 that answers 200 at once and notes when each event arrived. */
async function startReceiver() {
  const arrivals = new Map<string, number>();
  let requests = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      res.writeHead(200).end();
      requests += 1;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: Array<{ eventId: string }> };
      for (const event of body.events) if (!arrivals.has(event.eventId)) arrivals.set(event.eventId, at);
      for (const waiter of [...waiters]) {
        if (arrivals.size >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    requests: () => requests,
    /** Resolves once `count` distinct events arrived, or after `maxMs`. */
    until: (count: number, maxMs: number) =>
      new Promise<void>((resolve) => {
        if (arrivals.size >= count) return resolve();
        const timer = setTimeout(resolve, maxMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function post(url: string, key: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/**
 * Webhook delivery (issue 12) against a local receiver that answers at once, on each backend:
 * catch-up throughput (events already stored, delivered from `start` in batches of 100 and of
 * 1000) and the time from sending an append to the receiver getting its event (p50/p99, one
 * append at a time, paced).
 */
export async function webhooks(context: BenchContext): Promise<BenchmarkResult> {
  const notes: string[] = [];
  // FerretDB v1 reads a store's whole collection for every page, so the catch-up is kept small.
  const total = context.quick ? 1_000 : 5_000;
  const latencyAppends = context.quick ? 40 : 200;
  const throughputRows: Cell[][] = [];
  const latencyRows: Cell[][] = [];
  let storeCounter = 0;
  for (const target of HTTP_TARGETS.filter((t) => t.kind !== 'noop')) {
    const server = await context.server(target.kind).catch((error: Error) => {
      notes.push(`${target.label}: not measured (${error.message})`);
      return null;
    });
    if (!server) continue;
    const newStore = async () => {
      const name = `bench-hooks-${Date.now().toString(36)}-${++storeCounter}`;
      const created = await post(`${server.url}/api/event-stores`, server.key, { name });
      if (created.status !== 201) throw new Error(`store not created: ${JSON.stringify(created.json)}`);
      return name;
    };

    // Throughput: N events stored first, then one subscription from the start.
    const store = await newStore();
    for (let written = 0; written < total; written += 100) {
      const answer = await post(`${server.url}${appendPath(`order-${written}`, store)}`, server.key, { events: makeEvents(100) });
      if (answer.status !== 200) throw new Error(`seed append failed: ${answer.status}`);
    }
    for (const batchSize of [100, 1000]) {
      const receiver = await startReceiver();
      try {
        const started = performance.now();
        const created = await post(`${server.url}/api/event-stores/${store}/subscriptions`, server.key, { url: receiver.url, fromPosition: 'start', batchSize });
        if (created.status !== 201) throw new Error(`subscription not created: ${JSON.stringify(created.json)}`);
        await receiver.until(total, 120_000);
        const seconds = (performance.now() - started) / 1000;
        const delivered = receiver.arrivals.size;
        if (delivered < total) notes.push(`${target.label}, batch ${batchSize}: only ${delivered} of ${total} events arrived within 120 s`);
        throughputRows.push([target.label, batchSize, delivered, receiver.requests(), round(seconds), Math.round(delivered / seconds)]);
        console.log(`  ${target.label}, batches of ${batchSize}: ${delivered} events in ${round(seconds)} s`);
        await fetch(`${server.url}/api/event-stores/${store}/subscriptions/${created.json.subscriptionId as string}`, { method: 'DELETE', headers: { 'x-api-key': server.key } });
      } finally {
        await receiver.close();
      }
    }

    // Latency: append → receiver, one append at a time.
    const latencyStore = await newStore();
    const receiver = await startReceiver();
    try {
      const created = await post(`${server.url}/api/event-stores/${latencyStore}/subscriptions`, server.key, { url: receiver.url });
      if (created.status !== 201) throw new Error(`subscription not created: ${JSON.stringify(created.json)}`);
      const sentAt = new Map<string, number>();
      // When each event became readable in the store's global order (`GET …/events`): on MongoDB the
      // sequencer gives positions after the answer, and delivery cannot start before.
      const readableAt = new Map<string, number>();
      for (let i = 0; i < latencyAppends; i++) {
        const [event] = makeEvents(1);
        sentAt.set(event!.eventId, performance.now());
        const answer = await post(`${server.url}${appendPath(`order-${i % 10}`, latencyStore)}`, server.key, { events: [event] });
        if (answer.status !== 200) throw new Error(`append failed: ${answer.status}`);
        for (let polls = 0; polls < 2000 && !readableAt.has(event!.eventId); polls++) {
          const page = await fetch(`${server.url}/api/event-stores/${latencyStore}/events?fromPosition=${i}&limit=1`, { headers: { 'x-api-key': server.key } });
          const body = (await page.json()) as { events?: Array<{ eventId: string }> };
          if (body.events?.[0]?.eventId === event!.eventId) readableAt.set(event!.eventId, performance.now());
          else await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await receiver.until(latencyAppends, 60_000);
      const latencies = [...sentAt].filter(([id]) => receiver.arrivals.has(id)).map(([id, at]) => receiver.arrivals.get(id)! - at);
      // The first ones warm the server up (JIT, connections); they are not counted.
      const warmUp = Math.min(10, Math.floor(latencies.length / 10));
      const measured = latencies.slice(warmUp);
      const readable = [...sentAt].filter(([id]) => readableAt.has(id)).map(([id, at]) => readableAt.get(id)! - at).slice(warmUp);
      const cell = (value: number) => (Number.isFinite(value) ? round(value) : null);
      latencyRows.push([
        target.label,
        measured.length,
        cell(percentile(readable, 50)),
        cell(percentile(readable, 99)),
        cell(percentile(measured, 50)),
        cell(percentile(measured, 99)),
        cell(Math.max(...measured)),
        receiver.requests(),
      ]);
      console.log(`  ${target.label}, append to delivery: p50 ${round(percentile(measured, 50))} ms, p99 ${round(percentile(measured, 99))} ms`);
    } finally {
      await receiver.close();
    }
  }
  notes.push(
    'Receiver on 127.0.0.1 (the server runs with private networks allowed), answering 200 at once. Throughput: events stored first ' +
      '(appends of 100), then a subscription from `start`; from its creation to the last event at the receiver. Latency: from sending ' +
      'an append (one event at a time; the next once it is readable, plus 10 ms) to the event being readable in `GET …/events` ' +
      '(polled) and to the receiver getting it; the first 10 are warm-up.',
  );
  return {
    name: 'webhooks',
    title: 'Webhook delivery (issue 12): catch-up throughput and append-to-delivery latency',
    tables: [
      { title: 'Catch-up throughput', columns: ['server', 'batch size', 'events', 'requests', 'seconds', 'events/s'], rows: throughputRows },
      {
        title: 'Append to delivery',
        columns: ['server', 'events', 'readable p50 ms', 'readable p99 ms', 'delivered p50 ms', 'delivered p99 ms', 'delivered max ms', 'requests'],
        rows: latencyRows,
      },
    ],
    ratios: [],
    notes,
    seconds: 0,
  };
}
