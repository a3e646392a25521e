import { atLeast, type BenchContext, type BenchmarkResult, type Cell, type Ratio } from '../context';
import { elapsedMs, round } from '../stats';
import { appendPath, makeEvent } from '../workload';

interface ClientModule {
  createEventlaneClient: (options: Record<string, unknown>) => {
    append(store: string, streamId: string, events: unknown[], options?: { expectedStreamVersion?: unknown }): Promise<{ settled: Promise<{ state: string }> }>;
    sync(): Promise<void>;
    pause(): Promise<void>;
    resume(): Promise<void>;
    close(): Promise<void>;
  };
  soleLeader: () => unknown;
  manualOnlineSignal: (initial?: boolean) => { set(online: boolean): void };
}

/** The client library when it exists (loaded by a computed specifier so the harness builds without it). */
async function loadClient(): Promise<ClientModule | null> {
  try {
    // Node has no IndexedDB; the client keeps its outbox there. (Its types do not resolve under this tsconfig.)
    const fakeIndexedDb: string = 'fake-indexeddb/auto';
    await import(fakeIndexedDb);
    const module = (await import(['@eventlane', 'client'].join('/'))) as Partial<ClientModule>;
    return module.createEventlaneClient && module.soleLeader && module.manualOnlineSignal ? (module as ClientModule) : null;
  } catch {
    return null;
  }
}

/**
 * 10,000 single-event appends (200 with --quick) queued while sync is paused across 100 streams (10), each
 * stream a chain of exact expected versions, then drained to a real SQLite server: with the
 * client's coalescing and without it (maxEventsPerAppend 1). Against the direct HTTP rate: the
 * same appends sent by fetch, 4 streams at a time (the client's default parallelism), in order.
 */
export async function clientDrain(context: BenchContext): Promise<BenchmarkResult> {
  const notes: string[] = [];
  const rows: Cell[][] = [];
  const ratios: Ratio[] = [];
  const streams = context.quick ? 10 : 100;
  const perStream = context.quick ? 20 : 100;
  const total = streams * perStream;
  const maxDrainMs = context.quick ? 60_000 : 180_000;
  const client = await loadClient();
  if (!client) {
    notes.push('packages/client (createEventlaneClient) is not available: not measured');
    ratios.push(atLeast('Client drain (coalescing) ÷ direct HTTP', null, 1, 'client library not available'));
    return { name: 'drain', title: 'Client drain', tables: [], ratios, notes, seconds: 0 };
  }
  const server = await context.server('sqlite');
  // Warm the server up first (its first appends take over a second: JIT, first writes): the
  // client runs first and would otherwise pay for it alone, the direct sender last on a warm server.
  await Promise.all(
    Array.from({ length: 4 }, async (_, s) => {
      for (let k = 0; k < 5; k += 1) {
        const response = await fetch(server.url + appendPath(`drain-warmup-${Date.now().toString(36)}-${s}`), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': server.key },
          body: JSON.stringify({ events: [makeEvent(k)] }),
        });
        await response.arrayBuffer();
      }
    }),
  );
  notes.push('the server was warmed up first by 20 direct appends (not counted)');
  const rates: Record<string, number> = {};
  {
    for (const mode of ['coalescing', 'no coalescing'] as const) {
      const eventlane = client.createEventlaneClient({
        baseUrl: server.url,
        apiKey: server.key,
        dbName: `bench-drain-${mode}-${Date.now()}`,
        leader: client.soleLeader(),
        online: client.manualOnlineSignal(true),
        persistStorage: null,
        ...(mode === 'no coalescing' ? { limits: { maxEventsPerAppend: 1 } } : {}),
      });
      const prefix = `drain-${mode === 'coalescing' ? 'c' : 'n'}-${Date.now().toString(36)}`;
      // Paused, the client queues but sends nothing: the outbox fills as it would offline.
      await eventlane.pause();
      const enqueueStart = process.hrtime.bigint();
      const settled: Array<Promise<{ state: string }>> = [];
      for (let k = 0; k < perStream; k += 1)
        for (let s = 0; s < streams; s += 1) {
          const { type, data, metadata } = makeEvent(k);
          const queued = await eventlane.append('bench', `${prefix}-${s}`, [{ type, data, metadata }], { expectedStreamVersion: k === 0 ? 'no_stream' : k });
          settled.push(queued.settled);
        }
      const enqueueMs = elapsedMs(enqueueStart);
      const drainStart = process.hrtime.bigint();
      let synced = 0;
      let failed = 0;
      for (const outcome of settled) void outcome.then((o) => (o.state === 'synced' ? (synced += 1) : (failed += 1)));
      await eventlane.resume();
      void eventlane.sync();
      // A drain that takes longer than maxDrainMs is reported over what it synced by then.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(settled), new Promise((resolve) => (timer = setTimeout(resolve, maxDrainMs)))]);
      clearTimeout(timer);
      const drainMs = elapsedMs(drainStart);
      await eventlane.pause();
      await eventlane.close();
      if (failed > 0) notes.push(`${mode}: ${failed} appends did not sync`);
      if (synced + failed < total) notes.push(`${mode}: stopped after ${(maxDrainMs / 1000).toFixed(0)} s with ${synced} of ${total} synced; the rate is over those`);
      rates[mode] = synced / (drainMs / 1000);
      rows.push([`client, ${mode}`, synced, round(enqueueMs), round(drainMs), round(rates[mode]!)]);
    }

    // Direct: the same appends by fetch, 4 streams at a time, each stream in order.
    const prefix = `drain-d-${Date.now().toString(36)}`;
    const start = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < streams) {
          const s = next++;
          for (let k = 0; k < perStream; k += 1) {
            const response = await fetch(server.url + appendPath(`${prefix}-${s}`), {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': server.key },
              body: JSON.stringify({ events: [makeEvent(k)], options: { expectedStreamVersion: k === 0 ? 'no_stream' : k } }),
            });
            await response.arrayBuffer();
          }
        }
      }),
    );
    const directMs = elapsedMs(start);
    rates.direct = total / (directMs / 1000);
    rows.push(['direct HTTP (fetch, 4 streams at a time)', total, null, round(directMs), round(rates.direct)]);
  }
  ratios.push(atLeast('Client drain with coalescing ÷ direct HTTP, events/s', rates.coalescing! / rates.direct!, 1));
  ratios.push({ name: 'Client drain without coalescing ÷ direct HTTP (context)', value: rates['no coalescing']! / rates.direct!, target: '—', met: null });
  return {
    name: 'drain',
    title: `Client drain (${total.toLocaleString('en-US')} appends queued offline across ${streams} streams, then drained to a SQLite server)`,
    tables: [{ title: 'Client drain', columns: ['sender', 'appends', 'enqueue ms', 'drain ms', 'events/s'], rows }],
    ratios,
    notes,
    seconds: 0,
  };
}
