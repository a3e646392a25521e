import { randomUUID } from 'node:crypto';
import type { Scope, Storage, SubscriptionKey } from '@eventlane/store';
import type { AppendNotifier } from '../live/appendNotifier.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './backoff.js';
import { HeadWatch } from './headWatch.js';
import { SecretSealer, generateSealingKey, parseSealingKey } from './secretSealer.js';
import { WebhookSender } from './sender.js';
import { systemResolver, type Resolver } from './ssrf.js';
import { SubscriptionWorker, type WebhookMetricsSink, type WorkerContext } from './subscriptionWorker.js';

/** Webhook delivery settings (`createServer({ webhooks })`; the environment variables in README). */
export interface WebhookOptions {
  /** Deliver at all (default true). A server that only serves the API can leave delivery to others. */
  enabled: boolean;
  /** `WEBHOOK_ALLOW_PRIVATE_NETWORK`: allow loopback, private and link-local addresses (default false). */
  allowPrivateNetwork: boolean;
  /** `WEBHOOK_SECRET_KEY`: 32 bytes (base64) that seal the secrets; without it a key kept by the storage is used. */
  secretKey: string | null;
  /** `WEBHOOK_TIMEOUT_MS`: one attempt, connection to last byte (default 10 s). */
  timeoutMs: number;
  /** `WEBHOOK_RETRY_INITIAL_DELAY_MS` / `WEBHOOK_RETRY_MAX_DELAY_MS`: backoff (1 s, 10 min). */
  retry: RetryPolicy;
  /** `WEBHOOK_LEASE_TTL_MS`: how long a dead instance's subscriptions wait before another takes them (default 30 s). */
  leaseTtlMs: number;
  /** How often subscriptions without a holder are looked for (default 1 s). */
  scanIntervalMs: number;
  /** How often an idle store's head is looked up when no append through this process woke it. */
  pollIntervalMs: number;
  /** Subscriptions this instance delivers at once, at most (default 500); more wait for a free slot. */
  maxSubscriptions: number;
  /** Host name resolution (tests inject one to simulate DNS rebinding). */
  resolver: Resolver;
}

export const DEFAULT_WEBHOOK_OPTIONS: Omit<WebhookOptions, 'pollIntervalMs'> = {
  enabled: true,
  allowPrivateNetwork: false,
  secretKey: null,
  timeoutMs: 10_000,
  retry: DEFAULT_RETRY_POLICY,
  leaseTtlMs: 30_000,
  scanIntervalMs: 1_000,
  maxSubscriptions: 500,
  resolver: systemResolver,
};

const SCAN_PAGE = 200;

/**
 * Runs webhook delivery in this server instance: finds subscriptions no instance is delivering,
 * takes their leases and runs one worker per subscription, each on its own (a slow receiver holds
 * up only its own subscription; appends never wait for delivery).
 */
export class WebhookDispatcher {
  readonly owner = `instance-${randomUUID()}`;
  private readonly workers = new Map<string, SubscriptionWorker>();
  private readonly heads: HeadWatch;
  private readonly sender: WebhookSender;
  private sealerPromise: Promise<SecretSealer> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private rescan = false;
  private stopped = false;

  constructor(
    private readonly storage: Storage,
    notifier: AppendNotifier,
    readonly options: WebhookOptions,
    private readonly metrics: WebhookMetricsSink,
    private readonly log: WorkerContext['log'],
  ) {
    this.heads = new HeadWatch(storage, notifier, options.pollIntervalMs);
    this.sender = new WebhookSender({ timeoutMs: options.timeoutMs, allowPrivateNetwork: options.allowPrivateNetwork, resolver: options.resolver });
  }

  /** The key that seals secrets: the configured one, else the one the storage keeps (created on first use). */
  sealer(): Promise<SecretSealer> {
    if (!this.sealerPromise) {
      const loading = (async () => {
        const text = this.options.secretKey ?? (await this.storage.loadSecretSealingKey(generateSealingKey));
        return new SecretSealer(parseSealingKey(text));
      })();
      this.sealerPromise = loading;
      // A storage failure must not stick: the next call tries again (one handler, attached once).
      loading.catch(() => {
        if (this.sealerPromise === loading) this.sealerPromise = null;
      });
    }
    return this.sealerPromise;
  }

  start(): void {
    if (!this.options.enabled || this.stopped || this.timer) return;
    const tick = () => {
      this.timer = setTimeout(() => {
        void this.scan().finally(() => {
          if (!this.stopped) tick();
        });
      }, this.options.scanIntervalMs);
      this.timer.unref();
    };
    void this.scan();
    tick();
  }

  /** Stops every worker (an attempt in flight is aborted and recorded as nothing) and gives their leases up. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.heads.stop();
    const running = [...this.workers.values()];
    for (const worker of running) worker.stop();
    await Promise.all(running.map((worker) => this.done.get(worker)));
    await this.scanning;
    this.sender.close();
  }

  /** Sum of the lag of the subscriptions this instance delivers (a gauge; instances add up). */
  lagTotal(): number {
    let total = 0;
    for (const worker of this.workers.values()) total += worker.lag;
    return total;
  }

  /** A subscription changed through this process: its worker wakes up (or stops), and a new one is looked for at once. */
  changed(key?: SubscriptionKey): void {
    if (key) this.workers.get(keyOf(key))?.poke();
    if (this.options.enabled && !this.stopped) void this.scan();
  }

  /** A subscription or a whole store was deleted through this process: their workers stop now, an attempt in flight is aborted. */
  removed(key: SubscriptionKey | Scope): void {
    for (const [id, worker] of this.workers) {
      const k = worker.key;
      if (k.org === key.org && k.store === key.store && (!('subscriptionId' in key) || k.subscriptionId === key.subscriptionId)) {
        worker.stop();
        this.workers.delete(id);
      }
    }
  }

  private readonly done = new WeakMap<SubscriptionWorker, Promise<void>>();

  /** One pass over every deliverable subscription; a pass asked for while one runs runs right after it. */
  scan(): Promise<void> {
    if (this.scanning) {
      this.rescan = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.rescan = false;
        await this.scanOnce().catch((error: unknown) => this.log('warn', 'webhook scan failed; next scan retries', { err: error }));
      } while (this.rescan && !this.stopped);
    })().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    let cursor: string | null = null;
    for (;;) {
      if (this.stopped) return;
      const page = await this.storage.listDeliverableSubscriptions(cursor, SCAN_PAGE);
      const now = Date.now();
      for (const subscription of page.subscriptions) {
        const id = keyOf(subscription);
        if (this.workers.has(id) || subscription.leaseExpiresAt >= now) continue;
        if (this.workers.size >= this.options.maxSubscriptions) return;
        this.startWorker(subscription);
      }
      if (page.subscriptions.length < SCAN_PAGE) return;
      cursor = page.cursor;
    }
  }

  private startWorker(key: SubscriptionKey): void {
    const id = keyOf(key);
    const worker = new SubscriptionWorker(this.context(), { org: key.org, store: key.store, subscriptionId: key.subscriptionId });
    this.workers.set(id, worker);
    const finished = worker.run().finally(() => {
      if (this.workers.get(id) === worker) this.workers.delete(id);
    });
    this.done.set(worker, finished);
  }

  private ctx: WorkerContext | null = null;
  private context(): WorkerContext {
    this.ctx ??= {
      storage: this.storage,
      sender: this.sender,
      heads: this.heads,
      sealer: () => this.sealer(),
      owner: this.owner,
      leaseTtlMs: this.options.leaseTtlMs,
      timeoutMs: this.options.timeoutMs,
      retry: this.options.retry,
      metrics: this.metrics,
      log: this.log,
    };
    return this.ctx;
  }
}

const keyOf = (key: SubscriptionKey) => `${key.org}\u0000${key.store}\u0000${key.subscriptionId}`;
