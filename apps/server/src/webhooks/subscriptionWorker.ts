import { FAILING_AFTER_CONSECUTIVE_FAILURES, WEBHOOK_HEADERS, type WebhookPayload } from '@eventlane/contracts';
import type { Lease, Storage, SubscriptionKey, SubscriptionRecord } from '@eventlane/store';
import { nextBatch, type Batch } from './batches.js';
import { retryDelayMs, type RetryPolicy } from './backoff.js';
import type { HeadWatch } from './headWatch.js';
import type { SecretSealer } from './secretSealer.js';
import type { SendResult, WebhookSender } from './sender.js';
import { signatureHeader } from './signature.js';

/** What a worker needs from its dispatcher. */
export interface WorkerContext {
  storage: Storage;
  sender: WebhookSender;
  heads: HeadWatch;
  sealer: () => Promise<SecretSealer>;
  owner: string;
  leaseTtlMs: number;
  timeoutMs: number;
  retry: RetryPolicy;
  metrics: WebhookMetricsSink;
  log: (level: 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;
}

export interface WebhookMetricsSink {
  attempt(result: SendResult): void;
  delivered(events: number, oldestEventCreatedAt: string): void;
}

/** How long the subscription as this worker wrote it stands in for a read from storage. */
const REREAD_MS = 1000;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
    if (signal.aborted) done();
  });

/**
 * Delivers one subscription while it holds its lease: batch after batch in global order, each sent
 * until a 2xx (the same batch, the same delivery id, however many retries), the position written
 * only after the 2xx. Renews the lease every third of its time-to-live and stops delivering
 * before it expires, so two instances never deliver one subscription at once.
 */
export class SubscriptionWorker {
  /** Events of the store not yet delivered or passed (the lag), as last seen. */
  lag = 0;
  private lease: Lease | null = null;
  private readonly stopped = new AbortController();
  /** Aborted to cut a wait short (a change made through this process); replaced after each use. */
  private wake = new AbortController();
  private released = false;
  /** The subscription as this worker last wrote it, and when it was last read from storage. */
  private cached: { record: SubscriptionRecord; readAt: number } | null = null;
  /** Delivery log writes, one after another, off the delivery path. */
  private logged: Promise<void> = Promise.resolve();
  private readAt = 0;

  constructor(
    private readonly ctx: WorkerContext,
    readonly key: SubscriptionKey,
  ) {}

  /** Cut the current wait short: the subscription changed (paused, resumed, replayed, deleted). */
  poke(): void {
    this.wake.abort();
  }

  /** Stops at once: an attempt in flight is aborted. */
  stop(): void {
    this.stopped.abort();
    this.wake.abort();
  }

  /** Takes the lease, delivers until there is nothing it may do, gives the lease up. Never throws. */
  async run(): Promise<void> {
    try {
      this.lease = await this.ctx.storage.acquireLease(this.key, this.ctx.owner, this.ctx.leaseTtlMs);
    } catch (error) {
      this.ctx.log('warn', 'webhook lease could not be taken', { err: error });
      return;
    }
    if (!this.lease) return;
    const renewal = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.ctx.leaseTtlMs / 3)));
    try {
      await this.deliver();
    } catch (error) {
      this.ctx.log('warn', 'webhook delivery stopped on a storage error; it resumes with the next scan', { err: error });
    } finally {
      clearInterval(renewal);
      await this.logged;
      if (this.lease && !this.released) await this.ctx.storage.releaseLease(this.key, this.lease).catch(() => undefined);
    }
  }

  private renewing: Promise<boolean> | null = null;

  /** Renews the lease (one renewal at a time); stops the worker when it is lost, or when it could not be renewed in time. */
  private renew(): Promise<boolean> {
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<boolean> {
    const held = this.lease;
    if (!held || this.stopped.signal.aborted) return false;
    try {
      const renewed = await this.ctx.storage.acquireLease(this.key, this.ctx.owner, this.ctx.leaseTtlMs, held);
      if (renewed && this.lease === held) {
        this.lease = renewed;
        return true;
      }
      if (!renewed) {
        // Another instance holds it: nothing of ours to release.
        this.released = true;
        this.stop();
      }
      return false;
    } catch {
      // Storage unreachable: keep going only while the lease we have is safely valid.
      if (Date.now() > held.expiresAt - this.ctx.timeoutMs) this.stop();
      return false;
    }
  }

  private get signal(): AbortSignal {
    return AbortSignal.any([this.stopped.signal, this.wake.signal]);
  }

  private rearm(): void {
    if (this.wake.signal.aborted) this.wake = new AbortController();
  }

  private async deliver(): Promise<void> {
    const { storage } = this.ctx;
    while (!this.stopped.signal.aborted) {
      const poked = this.wake.signal.aborted;
      this.rearm();
      // Batch after batch, the subscription as last written here stands for up to REREAD_MS; a change
      // through this process pokes the worker, one through another instance is seen within REREAD_MS.
      const cached = this.cached;
      this.cached = null;
      const fresh = !poked && cached !== null && Date.now() - cached.readAt < REREAD_MS;
      const readAt = fresh ? cached.readAt : Date.now();
      const subscription = fresh ? cached.record : await storage.getSubscription(this.key);
      if (!subscription || subscription.status === 'paused') return;
      this.readAt = readAt;
      const dueAt = subscription.nextAttemptAt === null ? 0 : Date.parse(subscription.nextAttemptAt);
      if (dueAt > Date.now()) {
        // Waiting for a retry; wake up in time to renew and to notice changes by other instances.
        await sleep(Math.min(dueAt - Date.now(), this.ctx.leaseTtlMs / 3), this.signal);
        continue;
      }
      const next = await nextBatch(storage, subscription);
      if ('idle' in next) {
        this.lag = 0;
        await this.ctx.heads.wait(this.key, subscription.position, this.ctx.leaseTtlMs / 3, this.signal);
        continue;
      }
      if ('skipTo' in next) {
        // Only events that do not match: the position moves past them.
        await this.record(subscription, { ...stateOf(subscription), position: next.skipTo });
        continue;
      }
      this.lag = Math.max(0, next.batch.nextPosition - subscription.position);
      // Never start an attempt that could outlive the lease.
      if (this.lease && this.lease.expiresAt - Date.now() < this.ctx.timeoutMs * 1.5 && !(await this.renew())) return;
      await this.attempt(subscription, next.batch);
    }
  }

  private async attempt(subscription: SubscriptionRecord, batch: Batch): Promise<void> {
    // Loading the sealing key is storage work: when it fails, the run's storage-error path handles it
    // (no attempt recorded, no backoff), like any other storage failure.
    const sealer = await this.ctx.sealer();
    let secret: string | null;
    try {
      secret = sealer.unseal(subscription.sealedSecret);
    } catch (error) {
      // A wrong WEBHOOK_SECRET_KEY: nothing can be signed. It fails like an attempt, with backoff, so it shows.
      this.ctx.log('error', 'webhook secret cannot be unsealed', { err: error });
      secret = null;
    }
    const payload: WebhookPayload = { subscriptionId: subscription.subscriptionId, eventStoreName: subscription.store, deliveryId: batch.deliveryId, events: batch.events };
    const body = JSON.stringify(payload);
    const attemptedAt = new Date();
    const result: SendResult = secret === null
      ? { statusCode: null, error: 'not sent: the signing secret cannot be unsealed (is WEBHOOK_SECRET_KEY the one it was created with?)', retryAfterMs: null, outcome: 'refused', durationMs: 0 }
      : await this.ctx.sender.send(
      subscription.url,
      body,
      {
        'content-type': 'application/json',
        [WEBHOOK_HEADERS.subscription]: subscription.subscriptionId,
        [WEBHOOK_HEADERS.delivery]: batch.deliveryId,
        [WEBHOOK_HEADERS.signature]: signatureHeader(secret, body, Math.floor(attemptedAt.getTime() / 1000)),
      },
      this.stopped.signal,
    );
    this.ctx.metrics.attempt(result);
    // Stopped mid-attempt (shutdown, lease lost, deleted here): the outcome is unknown, record nothing.
    if (this.stopped.signal.aborted) return;
    const attempts = batch.attempts + 1;
    if (result.statusCode !== null && result.error === null) {
      const written = await this.record(subscription, {
        position: batch.nextPosition,
        lastDeliveredAt: new Date().toISOString(),
        lastError: null,
        consecutiveFailures: 0,
        nextAttemptAt: null,
        pending: null,
        status: 'active',
      });
      if (written) this.ctx.metrics.delivered(batch.events.length, batch.events[0]!.createdAt);
    } else {
      const failures = subscription.consecutiveFailures + 1;
      const delay = retryDelayMs(failures, this.ctx.retry, result.retryAfterMs);
      await this.record(subscription, {
        position: subscription.position,
        lastDeliveredAt: subscription.lastDeliveredAt,
        lastError: result.error,
        consecutiveFailures: failures,
        nextAttemptAt: new Date(Date.now() + delay).toISOString(),
        pending: { deliveryId: batch.deliveryId, fromPosition: batch.fromPosition, toPosition: batch.toPosition, attempts },
        status: failures >= FAILING_AFTER_CONSECUTIVE_FAILURES ? 'failing' : 'active',
      });
    }
    // The log is for people: it never holds delivery up, and a failure to write it loses no event.
    const entry = {
      deliveryId: batch.deliveryId,
      fromPosition: batch.fromPosition,
      toPosition: batch.toPosition,
      eventCount: batch.events.length,
      attempt: attempts,
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
      attemptedAt: attemptedAt.toISOString(),
    };
    this.logged = this.logged
      .then(() => this.ctx.storage.addDeliveryAttempt(this.key, entry))
      .catch((error: unknown) => this.ctx.log('warn', 'webhook delivery attempt could not be logged', { err: error }));
  }

  /** Writes progress under the lease; when refused (lease lost, operator change, deleted) the loop reads the subscription again. */
  private async record(subscription: SubscriptionRecord, state: ReturnType<typeof stateOf>): Promise<boolean> {
    // A renewal takes a new token: write with it, not with the one it is replacing (which the
    // storage would refuse as stale, and the batch would go again).
    if (this.renewing) await this.renewing;
    if (!this.lease) return false;
    const written = await this.ctx.storage.recordDeliveryProgress(this.key, this.lease, { generation: subscription.generation, state });
    if (written) this.cached = { record: { ...subscription, ...state }, readAt: this.readAt };
    else if (!(await this.renew())) this.stop();
    return written;
  }
}

function stateOf(subscription: SubscriptionRecord) {
  return {
    position: subscription.position,
    lastDeliveredAt: subscription.lastDeliveredAt,
    lastError: subscription.lastError,
    consecutiveFailures: subscription.consecutiveFailures,
    nextAttemptAt: subscription.nextAttemptAt,
    pending: subscription.pending,
    status: subscription.status === 'failing' ? ('failing' as const) : ('active' as const),
  };
}
