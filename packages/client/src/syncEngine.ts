import { liveQuery, type Subscription } from 'dexie';
import { backoffDelay } from './backoff';
import { buildAppendRequest, planBatch, splitAppendResponse } from './coalesce';
import type { OutboxDb } from './outboxDb';
import { reconcileBatch, syncedUpdate, type EntryUpdate } from './reconcile';
import type { AppendResult, AppendTransport, ReadTransport } from './transport';
import type { BackoffOptions, ClientLimits, Clock, OutboxEntry, OutboxError } from './types';

export interface SyncEngineOptions {
  db: OutboxDb;
  transport: AppendTransport;
  reader: ReadTransport;
  clock: Clock;
  random: () => number;
  limits: ClientLimits;
  backoff: BackoffOptions;
  maxParallelStreams: number;
  /** Names this tab in fencing tokens. */
  tabId: string;
  /** Errors that could not even be written to IndexedDB (quota, a closed database) go here. */
  onLocalError(error: OutboxError): void;
}

type Update = EntryUpdate;

const OPEN_STATES = ['pending', 'syncing', 'conflict', 'paused'] as const;

export function streamKey(entry: Pick<OutboxEntry, 'store' | 'streamId'>): string {
  return `${entry.store}\u0000${entry.streamId}`;
}

/**
 * Sends the outbox, on the leader tab only. Per stream strict FIFO: a stream's head must settle
 * before anything behind it is sent, and a head in `conflict` or `paused` holds the whole stream.
 * Streams run in parallel up to `maxParallelStreams`.
 */
export class SyncEngine {
  private running = false;
  private pumping = false;
  private again = false;
  private readonly inFlight = new Set<string>();
  /** After a 400/413 on a coalesced request, the entries up to this id are sent one by one. */
  private readonly sendSingly = new Map<string, number>();
  private wakeTimer: unknown = null;
  private subscription: Subscription | null = null;
  private idleWaiters: Array<() => void> = [];
  private tokens = 0;
  /** Bumped by `stop`, so that a `start` still awaiting its reset does not come alive after a `stop`. */
  private epoch = 0;

  constructor(private readonly options: SyncEngineOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { db } = this.options;
    const epoch = ++this.epoch;
    // Leadership just moved here: whatever a previous leader had in flight died with it. Resending is safe (same event ids).
    await db.outbox.where('state').equals('syncing').modify({ state: 'pending', syncToken: null });
    if (epoch !== this.epoch) return;
    this.running = true;
    this.subscription = liveQuery(async () => [await db.outbox.where('state').equals('pending').primaryKeys(), await db.meta.get('sync')]).subscribe({
      next: () => this.kick(),
      error: (error) => this.options.onLocalError(toOutboxError(error, this.options.clock.now())),
    });
    this.kick();
  }

  stop(): void {
    this.epoch++;
    this.running = false;
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.options.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.flushIdle();
  }

  /** Sends whatever is ready now; resolves when nothing more is ready or in flight. */
  async drain(): Promise<void> {
    if (!this.running) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.kick();
    await idle;
  }

  /**
   * Ends backoff waits and sends: every wait (the operator's "sync now"), or with `networkOnly`
   * only those after a network error (the network came back, but a server's Retry-After still stands).
   */
  async wakeAll(networkOnly = false): Promise<void> {
    await this.options.db.outbox
      .where('state')
      .equals('pending')
      .filter((entry) => !networkOnly || entry.lastError?.kind === 'network')
      .modify({ nextAttemptAt: 0 });
    this.kick();
  }

  kick(): void {
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        await this.pumpOnce();
      } while (this.again && this.running);
    } catch (error) {
      this.options.onLocalError(toOutboxError(error, this.options.clock.now()));
    } finally {
      this.pumping = false;
      if (this.inFlight.size === 0) this.flushIdle();
    }
  }

  private flushIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async pumpOnce(): Promise<void> {
    if (!this.running) return;
    const { db, clock, limits, maxParallelStreams } = this.options;
    if ((await db.readSyncState()).paused) return;
    const open = await db.outbox.where('state').anyOf(OPEN_STATES).sortBy('id');
    const queues = new Map<string, OutboxEntry[]>();
    for (const entry of open) {
      const key = streamKey(entry);
      const queue = queues.get(key);
      if (queue) queue.push(entry);
      else queues.set(key, [entry]);
    }
    const now = clock.now();
    let wakeAt = Infinity;
    for (const [key, queue] of queues) {
      if (this.inFlight.has(key)) continue;
      const head = queue[0]!;
      if (head.state !== 'pending') continue; // conflict/paused: the stream's queue stops here
      if (head.nextAttemptAt > now) {
        wakeAt = Math.min(wakeAt, head.nextAttemptAt);
        continue;
      }
      if (this.inFlight.size >= maxParallelStreams) break; // a finishing stream kicks the pump again
      const single = (this.sendSingly.get(key) ?? -1) >= head.id;
      const batch = planBatch(queue, limits, single ? 1 : Infinity);
      this.inFlight.add(key);
      void this.syncBatch(key, batch).finally(() => {
        this.inFlight.delete(key);
        this.kick();
      });
    }
    this.scheduleWake(wakeAt, now);
  }

  private scheduleWake(at: number, now: number): void {
    const { clock } = this.options;
    clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = Number.isFinite(at) ? clock.setTimeout(() => this.kick(), Math.max(0, at - now)) : null;
  }

  private async syncBatch(key: string, batch: OutboxEntry[]): Promise<void> {
    const { clock, transport } = this.options;
    const token = `${this.options.tabId}:${++this.tokens}`;
    let claimed: OutboxEntry[] | null = null;
    try {
      claimed = await this.claim(batch, token);
      if (!claimed) return;
      const head = claimed[0]!;
      const result = await transport.append(head.store, head.streamId, buildAppendRequest(claimed));
      await this.apply(key, claimed, token, result);
    } catch (error) {
      const failure = toOutboxError(error, clock.now());
      this.options.onLocalError(failure);
      if (claimed) {
        // Back in the queue after a backoff, so that a failing write-back does not leave entries stuck in `syncing`.
        const retryAt = clock.now() + this.delayFor(claimed[0]!, null);
        await this.write(token, claimed.map((entry) => [entry.id, { state: 'pending', nextAttemptAt: retryAt, lastError: failure }])).catch(() => undefined);
      }
    }
  }

  /** Marks the batch `syncing` under our token, unless another tab changed an entry since it was read. */
  private async claim(batch: OutboxEntry[], token: string): Promise<OutboxEntry[] | null> {
    const { db, clock } = this.options;
    return db.transaction('rw', db.outbox, async () => {
      const fresh = await db.outbox.bulkGet(batch.map((entry) => entry.id));
      const unchanged = fresh.every((entry, i) => entry && entry.state === 'pending' && entry.updatedAt === batch[i]!.updatedAt);
      if (!unchanged) return null;
      const now = clock.now();
      const claimed = (fresh as OutboxEntry[]).map((entry) => ({ ...entry, state: 'syncing' as const, attempts: entry.attempts + 1, syncToken: token, updatedAt: now }));
      await db.outbox.bulkPut(claimed);
      return claimed;
    });
  }

  /**
   * Applies updates to entries this run still holds: an entry discarded or edited meanwhile, or
   * taken over by another leader, no longer carries `token` and is left alone (fencing).
   */
  private async write(token: string, updates: Update[]): Promise<void> {
    const { db, clock } = this.options;
    const now = clock.now();
    await db.transaction('rw', db.outbox, async () => {
      for (const [id, change] of updates) {
        const entry = await db.outbox.get(id);
        if (!entry || entry.syncToken !== token || entry.state !== 'syncing') continue;
        await db.outbox.put({ ...entry, ...change, syncToken: null, updatedAt: now });
      }
    });
  }

  private delayFor(head: OutboxEntry, retryAfterMs: number | null): number {
    return backoffDelay(head.attempts, this.options.backoff, this.options.random, retryAfterMs);
  }

  private async apply(key: string, batch: OutboxEntry[], token: string, result: AppendResult): Promise<void> {
    const { db, clock } = this.options;
    const now = clock.now();
    const head = batch[0]!;
    const rest = batch.slice(1);
    const backToQueue = (entries: OutboxEntry[], at = now): Update[] => entries.map((entry) => [entry.id, { state: 'pending', nextAttemptAt: at }]);
    const reachable = result.kind !== 'retry' || result.status !== undefined;
    const reachability = { online: reachable, at: now };

    switch (result.kind) {
      case 'ok': {
        const perEntry = splitAppendResponse(batch, result.response);
        await this.write(token, batch.map((entry, i) => [entry.id, syncedUpdate(perEntry[i]!)]));
        await db.updateSyncState(() => ({ lastSyncAt: now, lastError: null, reachability }));
        return;
      }
      case 'version_conflict': {
        // After an earlier attempt whose answer was lost, the events may be stored already; a
        // server that checks the version before the replay would answer 409: look first.
        if (head.attempts > 1 && (await this.reconcile(key, batch, token, [], true))) return;
        const error: OutboxError = { kind: 'version_conflict', status: 409, message: `Stream is at version ${result.currentVersion}`, at: now };
        await this.write(token, [[head.id, { state: 'conflict', currentVersion: result.currentVersion, lastError: error }], ...backToQueue(rest)]);
        await db.updateSyncState(() => ({ lastError: error, reachability }));
        return;
      }
      case 'duplicate_event_id':
        await this.reconcile(key, batch, token, result.eventIds, false);
        await db.updateSyncState(() => ({ reachability }));
        return;
      case 'invalid':
      case 'too_large': {
        if (batch.length > 1) {
          // Coalesced: find the culprit by sending the same entries one at a time.
          this.sendSingly.set(key, batch[batch.length - 1]!.id);
          await this.write(token, backToQueue(batch));
          await db.updateSyncState(() => ({ reachability }));
          return;
        }
        const error: OutboxError =
          result.kind === 'invalid'
            ? { kind: 'invalid', status: 400, message: 'Invalid request body', details: result.details, at: now }
            : { kind: 'too_large', status: 413, message: 'Payload too large', at: now };
        await this.write(token, [[head.id, { state: 'rejected', lastError: error }]]);
        await db.updateSyncState(() => ({ lastError: error, reachability }));
        return;
      }
      case 'unauthorized': {
        const error: OutboxError = { kind: 'unauthorized', status: result.status, message: `HTTP ${result.status}: the API key was refused`, at: now };
        await this.write(token, batch.map((entry) => [entry.id, { state: 'paused', lastError: error }]));
        await db.updateSyncState(() => ({ paused: 'auth', lastError: error, reachability }));
        return;
      }
      case 'retry': {
        const error: OutboxError =
          result.status === undefined
            ? { kind: 'network', message: result.message, at: now }
            : { kind: 'http', status: result.status, message: result.message, at: now };
        const retryAt = now + this.delayFor(head, result.retryAfterMs);
        await this.write(token, batch.map((entry) => [entry.id, { state: 'pending', nextAttemptAt: retryAt, lastError: error }]));
        await db.updateSyncState(() => ({ lastError: error, reachability }));
        return;
      }
    }
  }

  /**
   * Reads the stream to learn which entries of the batch are stored already: those become
   * `synced`, one that is stored only in part or elsewhere becomes `rejected`, the rest go back to
   * the queue. Returns whether anything was settled; `onlyIfProgress` leaves the batch untouched otherwise.
   */
  private async reconcile(key: string, batch: OutboxEntry[], token: string, namedIds: string[], onlyIfProgress: boolean): Promise<boolean> {
    const { db, clock, reader } = this.options;
    const head = batch[0]!;
    const outcome = await reconcileBatch(reader, batch, namedIds, clock.now(), this.options.limits.maxPageSize);
    const now = clock.now();
    if (outcome.kind === 'read_failed') {
      if (onlyIfProgress) return false;
      const { error } = outcome;
      if (error.kind === 'unauthorized') {
        await this.write(token, batch.map((entry) => [entry.id, { state: 'paused', lastError: error }]));
        await db.updateSyncState(() => ({ paused: 'auth', lastError: error }));
      } else {
        const retryAt = now + this.delayFor(head, null);
        await this.write(token, batch.map((entry) => [entry.id, { state: 'pending', nextAttemptAt: retryAt, lastError: error }]));
        await db.updateSyncState(() => ({ lastError: error }));
      }
      return false;
    }
    const settled = outcome.updates.length > 0;
    if (!settled && onlyIfProgress) return false;
    const unsettled = batch.slice(outcome.updates.length);
    const error: OutboxError = { kind: 'duplicate_event_id', status: 409, message: 'Duplicate event id', eventIds: namedIds, at: now };
    // Nothing settled: the server and the stream disagree for now; wait before asking again.
    const retryAt = settled ? now : now + this.delayFor(head, null);
    if (settled) this.sendSingly.delete(key);
    await this.write(token, [
      ...outcome.updates,
      ...unsettled.map((entry): Update => [entry.id, { state: 'pending', nextAttemptAt: retryAt, lastError: settled ? null : error }]),
    ]);
    if (settled) await db.updateSyncState(() => ({ lastSyncAt: now }));
    return settled;
  }
}

export function toOutboxError(error: unknown, at: number): OutboxError {
  const name = (error as { name?: string })?.name;
  const message = (error as Error)?.message ?? String(error);
  const inner = (error as { inner?: { name?: string } })?.inner?.name;
  if (name === 'QuotaExceededError' || inner === 'QuotaExceededError') return { kind: 'quota', message, at };
  return { kind: 'internal', message, at };
}
