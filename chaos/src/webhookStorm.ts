import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { globToRegExp, type Storage } from '@eventlane/store';
import { checkWebhookDeliveries, type CheckedSubscription, type Receipt, type StoreEvent, type WebhookViolation } from './webhookChecker';
import { ferretdbBinary, freePort, killHard, restartServer, startFerretDB, startServer, type ServerProcess } from './processes';
import { between, seededRandom } from './random';
import { openStorage, type Backend } from './openBackend';

export interface WebhookStormOptions {
  backend: Backend;
  seed: number;
  /** How long writers append, in ms. */
  loadMs?: number;
  /** Share of receiver answers that fail (default 0.3). */
  failureRate?: number;
  log?: (line: string) => void;
}

export interface WebhookStormResult {
  backend: Backend;
  seed: number;
  appends: number;
  events: number;
  kills: number;
  /** Kills made right after the receiver acknowledged a batch (the position not yet stored). */
  killsAfterAck: number;
  requests: number;
  failedRequests: number;
  /** Acknowledged deliveries of an event beyond its first (only ever from a batch in flight at a kill). */
  duplicates: number;
  perSubscription: Array<{ subscriptionId: string; matching: number; delivered: number; duplicates: number; requests: number; failedRequests: number }>;
  violations: WebhookViolation[];
  durationMs: number;
}

const STORE = 'hooks';
const TYPES = ['order.placed', 'order.paid', 'payment.captured', 'payment.refunded', 'note.added'];
const STREAMS = ['order-1', 'order-2', 'order-3', 'acct-1', 'acct-2', 'misc-1'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The receiver of the storm: fails a share of requests at random (500, 503 + Retry-After, 410, 429, reset, hang), records all. */
class ChaosReceiver {
  readonly receipts: Receipt[] = [];
  inFlight = 0;
  /** Called right after the next 2xx is written (the kill that leaves a batch acknowledged but its position unstored). */
  afterNextAck: (() => void) | null = null;
  url = '';
  private server: Server | null = null;

  constructor(
    private readonly random: () => number,
    private readonly failureRate: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(rawBody) as { subscriptionId: string; deliveryId: string; events: StoreEvent[] };
        const receipt: Receipt = {
          subscriptionHeader: req.headers['x-eventlane-subscription'] as string | undefined,
          deliveryHeader: req.headers['x-eventlane-delivery'] as string | undefined,
          signatureHeader: req.headers['x-eventlane-signature'] as string | undefined,
          rawBody,
          subscriptionId: body.subscriptionId,
          deliveryId: body.deliveryId,
          events: body.events.map((e) => ({ eventId: e.eventId, globalPosition: e.globalPosition, type: e.type, streamId: e.streamId })),
          receivedAt: Date.now(),
          answered: null,
          answeredAt: null,
        };
        this.receipts.push(receipt);
        this.inFlight += 1;
        let open = true;
        res.on('close', () => {
          if (open) this.inFlight -= 1;
          open = false;
        });
        const answer = (status: number, headers: Record<string, string> = {}) => {
          if (res.destroyed) return;
          receipt.answered = status;
          receipt.answeredAt = Date.now();
          res.writeHead(status, headers);
          res.end();
          if (status < 300 && this.afterNextAck) {
            const kill = this.afterNextAck;
            this.afterNextAck = null;
            kill();
          }
        };
        if (this.random() >= this.failureRate) return answer(200);
        const mode = Math.floor(this.random() * 6);
        if (mode === 0) return answer(500);
        if (mode === 1) return answer(503, { 'retry-after': '0' });
        if (mode === 2) return answer(410);
        if (mode === 3) return answer(429);
        if (mode === 4) return req.socket.destroy();
        // mode 5: never answer; the sender's timeout ends it.
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * One webhook crash storm: writers append matching and non-matching events (retrying unknown
 * outcomes with the same ids) while the server is SIGKILLed during deliveries (some right after the
 * receiver acknowledged a batch), and a receiver fails 30 % of requests at random. Then every
 * subscription is drained and the checker goes over everything the receiver saw.
 */
export async function runWebhookStorm(options: WebhookStormOptions): Promise<WebhookStormResult> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const loadMs = options.loadMs ?? 6_000;
  const random = seededRandom(options.seed);
  const receiver = new ChaosReceiver(seededRandom(options.seed * 7919 + 1), options.failureRate ?? 0.3);
  const dir = mkdtempSync(join(tmpdir(), `eventlane-hooks-${options.backend}-`));
  let database: ChildProcess | null = null;
  let databaseUri = '';
  let storage: Storage | null = null;
  let server: ServerProcess | null = null;
  try {
    if (options.backend === 'mongodb') {
      const binary = ferretdbBinary();
      if (!binary) throw new Error('no FerretDB binary in the cache folder: run `npm test` once (it builds it) or scripts/setup.sh --test');
      const port = await freePort();
      database = await startFerretDB(binary, port, join(dir, 'ferretdb'));
      databaseUri = `mongodb://127.0.0.1:${port}/`;
    }
    await receiver.start();
    const port = await freePort();
    const env: Record<string, string> = {
      PORT: String(port),
      WEBHOOK_ALLOW_PRIVATE_NETWORK: 'true',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_LEASE_TTL_MS: '3000',
      WEBHOOK_RETRY_INITIAL_DELAY_MS: '20',
      WEBHOOK_RETRY_MAX_DELAY_MS: '400',
      ...(options.backend === 'sqlite' ? { DATA_DIR: join(dir, 'data') } : { MONGODB_URI: databaseUri, MONGODB_DB: 'hooks' }),
    };
    server = await startServer(env);
    const key = server.firstKey;
    if (!key) throw new Error(`the first start printed no key:\n${server.output()}`);
    const base = `http://127.0.0.1:${port}/api/event-stores/${STORE}`;
    const call = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
      const response = await fetch(base + path, {
        method,
        headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const created = await fetch(`http://127.0.0.1:${port}/api/event-stores`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ name: STORE }),
    });
    if (created.status !== 201) throw new Error(`store not created: ${created.status}`);
    const definitions = [
      { eventTypes: ['order.*', 'payment.captured'], batchSize: 5 },
      { streamIdPattern: 'acct-*', batchSize: 20 },
      { batchSize: 2 },
    ];
    const subscriptions: CheckedSubscription[] = [];
    for (const definition of definitions) {
      const answer = await call('/subscriptions', { url: receiver.url, fromPosition: 'start', ...definition });
      if (answer.status !== 201) throw new Error(`subscription not created: ${JSON.stringify(answer.body)}`);
      const types = definition.eventTypes ?? null;
      const pattern = definition.streamIdPattern ? globToRegExp(definition.streamIdPattern) : null;
      subscriptions.push({
        subscriptionId: answer.body.subscriptionId as string,
        secret: answer.body.secret as string,
        batchSize: definition.batchSize,
        matches: (e) =>
          (types === null || types.some((t) => (t.endsWith('*') ? e.type.startsWith(t.slice(0, -1)) : e.type === t))) &&
          (pattern === null || pattern.test(e.streamId)),
      });
    }

    // Writers: appends with client ids, unknown outcomes retried with the same ids.
    const loadEnd = Date.now() + loadMs;
    let appends = 0;
    /** Ids of every event whose append was acknowledged: the drain waits until all are in the global order. */
    const acknowledged = new Set<string>();
    let restarting = false;
    const writer = async () => {
      while (Date.now() < loadEnd) {
        const streamId = STREAMS[Math.floor(random() * STREAMS.length)]!;
        const events = Array.from({ length: between(random, 1, 3) }, () => ({
          type: TYPES[Math.floor(random() * TYPES.length)]!,
          data: { n: appends },
          eventId: randomUUID(),
        }));
        for (let attempt = 0; attempt < 200; attempt++) {
          try {
            const answer = await call(`/streams/${streamId}`, { events });
            if (answer.status === 200) {
              appends += 1;
              for (const event of events) acknowledged.add(event.eventId);
              break;
            }
          } catch {
            // the server is down: same ids again
          }
          await sleep(restarting ? 200 : 50);
        }
        await sleep(between(random, 5, 40));
      }
    };

    // Killer: SIGKILL while a request is at the receiver, or right after it acknowledged one.
    let kills = 0;
    let killsAfterAck = 0;
    const killTimes: number[] = [];
    const killer = async () => {
      while (Date.now() < loadEnd) {
        await sleep(between(random, 800, 2000));
        if (Date.now() >= loadEnd) return;
        // Counted as "after an acknowledgement" only when the kill did follow one (not when 3 s passed without any).
        let afterAck = false;
        if (random() < 0.5) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              receiver.afterNextAck = null;
              resolve();
            }, 3000);
            receiver.afterNextAck = () => {
              clearTimeout(timer);
              afterAck = true;
              server!.child.kill('SIGKILL');
              resolve();
            };
          });
        } else {
          for (let i = 0; i < 60 && receiver.inFlight === 0; i++) await sleep(50);
        }
        restarting = true;
        await killHard(server!.child);
        killTimes.push(Date.now());
        kills += 1;
        if (afterAck) killsAfterAck += 1;
        log(`  kill ${kills} (${afterAck ? 'right after an acknowledgement' : 'during a delivery, or idle'}) at t=${Date.now() - started} ms`);
        server = await restartServer(env, log);
        restarting = false;
      }
    };
    await Promise.all([killer(), writer(), writer(), writer(), writer()]);

    // Drain: every subscription at the head, with the receiver still failing 30 %.
    storage = await openStorage(options.backend, { dataDir: join(dir, 'data'), uri: databaseUri, dbName: 'hooks', writer: 'inline' });
    const scope = { org: 'default', store: STORE };
    const drainDeadline = Date.now() + 90_000;
    for (;;) {
      // Every acknowledged event must be in the readable global order first (MongoDB's sequencer gives
      // positions after the answer, and a killed instance's commits only once its liveness expired).
      await storage.waitForGlobalOrder(scope).catch(() => undefined);
      const head = await storage.headGlobalPosition(scope);
      const states = await Promise.all(subscriptions.map((s) => storage!.getSubscription({ ...scope, subscriptionId: s.subscriptionId })));
      const sequenced = head + 1 >= acknowledged.size;
      if (sequenced && states.every((s) => s !== null && s.position === head + 1 && s.pending === null) && receiver.inFlight === 0) break;
      if (Date.now() > drainDeadline) {
        log(`  drain timed out: head ${head}, positions ${states.map((s) => s?.position).join(', ')}`);
        break;
      }
      await sleep(100);
    }
    await killHard(server.child);
    const events: StoreEvent[] = [];
    for (let from = 0; ; ) {
      const page = await storage.readStore(scope, { fromPosition: from, limit: 1000 });
      events.push(...page.events.map((e) => ({ eventId: e.eventId, globalPosition: e.globalPosition, type: e.type, streamId: e.streamId })));
      if (!page.hasMore || page.events.length === 0) break;
      from = page.events[page.events.length - 1]!.globalPosition + 1;
    }
    const check = checkWebhookDeliveries({ events, subscriptions, receipts: receiver.receipts, kills: killTimes });
    // Not a delivery invariant, but the check is only whole when it covers every acknowledged append.
    const stored = new Set(events.map((e) => e.eventId));
    const unstored = [...acknowledged].filter((id) => !stored.has(id));
    if (unstored.length > 0) check.violations.push({ kind: 'missing', message: `${unstored.length} acknowledged events are not in the store's global order after the drain` });
    return {
      backend: options.backend,
      seed: options.seed,
      appends,
      events: events.length,
      kills,
      killsAfterAck,
      requests: receiver.receipts.length,
      failedRequests: check.perSubscription.reduce((n, s) => n + s.failedRequests, 0),
      duplicates: check.perSubscription.reduce((n, s) => n + s.duplicates, 0),
      perSubscription: check.perSubscription,
      violations: check.violations,
      durationMs: Date.now() - started,
    };
  } finally {
    if (server) await killHard(server.child);
    await storage?.close().catch(() => {});
    await receiver.stop();
    if (database) await killHard(database);
    rmSync(dir, { recursive: true, force: true });
  }
}
