import { backoffDelay } from './backoff.js';
import { buildAppendRequest, planBatch, splitAppendResponse } from './coalesce.js';
import type { OutboxDb, SharedSyncState } from './outboxDb.js';
import { nextState } from './outboxMachine.js';
import { reconcileBatch, syncedUpdate, type EntryUpdate } from './reconcile.js';
import { onStorageMutated, rangesOf, treeHas, type DbMutation } from './storageMutations.js';
import type { AppendResult, AppendTransport, ReadTransport } from './transport.js';
import type { BackoffOptions, ClientLimits, Clock, OutboxEntry, OutboxError } from './types.js';

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
  /**
   * The online signal. While it says offline nothing is sent (not even a probe): the signal is
   * taken as authoritative, and its `online` event wakes the queue.
   */
  isOnline(): boolean;
}

type Update = EntryUpdate;

/** The states that hold a stream's queue: an entry in one of them stops everything behind it. */
const HOLDING_STATES = ['syncing', 'conflict', 'paused'] as const;

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
  private stopListening: (() => void) | null = null;
  /** Each open entry's stream, by id: `store` and `streamId` never change, so they are read once. */
  private readonly streamOf = new Map<number, string>();
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
    await db.outbox
      .where('state')
      .equals('syncing')
      .modify((entry) => {
        entry.state = nextState(entry.state, 'requeue');
        entry.syncToken = null;
      });
    if (epoch !== this.epoch) return;
    this.running = true;
    // Writes from any tab that may make something sendable: an entry becoming pending, an entry
    // changed or removed without its old value known (a held head may be gone), the shared sync state.
    this.stopListening = onStorageMutated(db, (mutation) => {
      if (mayBeSendable(mutation)) this.kick();
    });
    this.kick();
  }

  stop(): void {
    this.epoch++;
    this.running = false;
    this.stopListening?.();
    this.stopListening = null;
    this.streamOf.clear();
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
    const { db } = this.options;
    // One read of the pending entries and a write of those that wait, in one transaction (not a
    // filtered cursor: a cursor over thousands of equal index keys is slow in some IndexedDBs).
    await db.transaction('rw', db.outbox, async () => {
      const pending = await db.outbox.where('state').equals('pending').toArray();
      const waiting = pending.filter((entry) => entry.nextAttemptAt !== 0 && (!networkOnly || entry.lastError?.kind === 'network'));
      await putEach(db, waiting.map((entry) => ({ ...entry, nextAttemptAt: 0 })));
    });
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

  /**
   * Plans from one consistent read of the outbox: which streams have open entries (keys only,
   * from the state index) and, for streams that may start, their heads and leading pending
   * entries. Entry values are read only where a request may be built, so a pump costs little
   * more with 10,000 entries queued than with 10.
   */
  private async pumpOnce(): Promise<void> {
    if (!this.running || !this.options.isOnline()) return;
    const { db, clock, limits, maxParallelStreams } = this.options;
    const plan = await db.transaction('r', db.outbox, db.meta, async () => {
      if ((await db.readSyncState()).paused) return null;
      const [pending, ...holding] = await Promise.all(
        (['pending', ...HOLDING_STATES] as const).map((state) => db.outbox.where('state').equals(state).primaryKeys()),
      );
      const held = new Set(holding.flat());
      const open = [...pending!, ...held].sort((a, b) => a - b);
      const unknown = open.filter((id) => !this.streamOf.has(id));
      if (unknown.length > 0) {
        const rows = await db.outbox.bulkGet(unknown);
        rows.forEach((entry, i) => entry && this.streamOf.set(unknown[i]!, streamKey(entry)));
      }
      // Per stream, its open entries in id order (the order appended).
      const queues = new Map<string, number[]>();
      for (const id of open) {
        const key = this.streamOf.get(id);
        if (key === undefined) continue;
        const queue = queues.get(key);
        if (queue) queue.push(id);
        else queues.set(key, [id]);
      }
      if (this.streamOf.size > open.length) {
        const stillOpen = new Set(open);
        for (const id of this.streamOf.keys()) if (!stillOpen.has(id)) this.streamOf.delete(id);
      }
      // A stream in flight, or whose head is syncing/conflict/paused, waits: its queue stops there.
      const ready = [...queues].filter(([key, queue]) => !this.inFlight.has(key) && !held.has(queue[0]!));
      const heads = await db.outbox.bulkGet(ready.map(([, queue]) => queue[0]!));
      const now = clock.now();
      let wakeAt = Infinity;
      let inFlight = this.inFlight.size;
      const batches: Array<[string, OutboxEntry[]]> = [];
      for (const [i, [key, queue]] of ready.entries()) {
        const head = heads[i];
        if (!head || head.state !== 'pending') continue;
        if (head.nextAttemptAt > now) {
          wakeAt = Math.min(wakeAt, head.nextAttemptAt);
          continue;
        }
        if (inFlight >= maxParallelStreams) break; // a finishing stream kicks the pump again
        const single = (this.sendSingly.get(key) ?? -1) >= head.id;
        // Every entry holds at least one event, so no batch has more entries than maxEventsPerAppend.
        const leading = queue.slice(0, single ? 1 : limits.maxEventsPerAppend);
        const stop = leading.findIndex((id) => held.has(id));
        const rest = await db.outbox.bulkGet(leading.slice(1, stop === -1 ? undefined : stop));
        const gone = rest.indexOf(undefined);
        const entries = [head, ...(gone === -1 ? rest : rest.slice(0, gone))] as OutboxEntry[];
        batches.push([key, planBatch(entries, limits, single ? 1 : Infinity)]);
        inFlight += 1;
      }
      return { batches, wakeAt, now };
    });
    if (!plan || !this.running) return;
    for (const [key, batch] of plan.batches) {
      this.inFlight.add(key);
      void this.syncBatch(key, batch).finally(() => {
        this.inFlight.delete(key);
        this.kick();
      });
    }
    this.scheduleWake(plan.wakeAt, plan.now);
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
        await this.write(token, claimed.map((entry) => [entry.id, 'requeue', { nextAttemptAt: retryAt, lastError: failure }])).catch(() => undefined);
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
      const claimed = (fresh as OutboxEntry[]).map((entry) => ({ ...entry, state: nextState(entry.state, 'send'), attempts: entry.attempts + 1, syncToken: token, updatedAt: now }));
      await putEach(db, claimed);
      return claimed;
    });
  }

  /**
   * Applies updates to entries this run still holds: an entry discarded or edited meanwhile, or
   * taken over by another leader, no longer carries `token` and is left alone (fencing).
   */
  private async write(token: string, updates: Update[], shared?: (state: SharedSyncState) => Partial<SharedSyncState>): Promise<void> {
    const { db, clock } = this.options;
    const now = clock.now();
    // The shared sync state (last sync, last error, an auth pause) changes in the same transaction.
    await db.transaction('rw', db.outbox, db.meta, async () => {
      if (shared) await db.updateSyncState(shared);
      const entries = await db.outbox.bulkGet(updates.map(([id]) => id));
      const changed: OutboxEntry[] = [];
      updates.forEach(([, event, change], i) => {
        const entry = entries[i];
        if (!entry || entry.syncToken !== token || entry.state !== 'syncing') return;
        changed.push({ ...entry, ...change, state: nextState(entry.state, event), syncToken: null, updatedAt: now });
      });
      await putEach(db, changed);
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
    const backToQueue = (entries: OutboxEntry[], at = now): Update[] => entries.map((entry) => [entry.id, 'requeue', { nextAttemptAt: at }]);
    const reachable = result.kind !== 'retry' || result.status !== undefined;
    const reachability = { online: reachable, at: now };

    switch (result.kind) {
      case 'ok': {
        const perEntry = splitAppendResponse(batch, result.response);
        await this.write(token, batch.map((entry, i) => syncedUpdate(entry.id, perEntry[i]!)), () => ({ lastSyncAt: now, lastError: null, reachability }));
        return;
      }
      case 'version_conflict': {
        // After an earlier attempt whose answer was lost, the events may be stored already; a
        // server that checks the version before the replay would answer 409: look first.
        if (head.attempts > 1 && (await this.reconcile(key, batch, token, [], true))) return;
        const error: OutboxError = { kind: 'version_conflict', status: 409, message: `Stream is at version ${result.currentVersion}`, at: now };
        await this.write(token, [[head.id, 'version_conflict', { currentVersion: result.currentVersion, lastError: error }], ...backToQueue(rest)], () => ({ lastError: error, reachability }));
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
          await this.write(token, backToQueue(batch), () => ({ reachability }));
          return;
        }
        const error: OutboxError =
          result.kind === 'invalid'
            ? { kind: 'invalid', status: 400, message: 'Invalid request body', details: result.details, at: now }
            : { kind: 'too_large', status: 413, message: 'Payload too large', at: now };
        await this.write(token, [[head.id, 'refused', { lastError: error }]], () => ({ lastError: error, reachability }));
        return;
      }
      case 'unauthorized': {
        const error: OutboxError = { kind: 'unauthorized', status: result.status, message: `HTTP ${result.status}: the API key was refused`, at: now };
        await this.write(token, batch.map((entry) => [entry.id, 'unauthorized', { lastError: error }]), () => ({ paused: 'auth', lastError: error, reachability }));
        return;
      }
      case 'retry': {
        const error: OutboxError =
          result.status === undefined
            ? { kind: 'network', message: result.message, at: now }
            : { kind: 'http', status: result.status, message: result.message, at: now };
        const retryAt = now + this.delayFor(head, result.retryAfterMs);
        await this.write(token, batch.map((entry) => [entry.id, 'requeue', { nextAttemptAt: retryAt, lastError: error }]), () => ({ lastError: error, reachability }));
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
        await this.write(token, batch.map((entry) => [entry.id, 'unauthorized', { lastError: error }]), () => ({ paused: 'auth', lastError: error }));
      } else {
        const retryAt = now + this.delayFor(head, null);
        await this.write(token, batch.map((entry) => [entry.id, 'requeue', { nextAttemptAt: retryAt, lastError: error }]), () => ({ lastError: error }));
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
      ...unsettled.map((entry): Update => [entry.id, 'requeue', { nextAttemptAt: retryAt, lastError: settled ? null : error }]),
    ]);
    if (settled) await db.updateSyncState(() => ({ lastSyncAt: now, lastError: null }));
    return settled;
  }
}

/**
 * Writes the rows inside the caller's transaction, one `put` each rather than one `bulkPut`: Dexie
 * reports a bulk write of 50 rows or more as a change to the whole table, which would wake every
 * watcher of every entry; single puts report exactly the keys written. Same transaction, same
 * atomicity.
 */
function putEach(db: OutboxDb, rows: OutboxEntry[]): Promise<unknown> {
  return Promise.all(rows.map((row) => db.outbox.put(row)));
}

/** Whether a write may have made an entry sendable (see `start`). */
function mayBeSendable(mutation: DbMutation): boolean {
  if (mutation.all) return true;
  if (treeHas(mutation.part('outbox', 'state'), 'pending')) return true;
  if (rangesOf(mutation.part('outbox', ':dels')).length > 0) return true;
  return treeHas(mutation.part('meta', ''), 'sync');
}

export function toOutboxError(error: unknown, at: number): OutboxError {
  const name = (error as { name?: string })?.name;
  const message = (error as Error)?.message ?? String(error);
  const inner = (error as { inner?: { name?: string } })?.inner?.name;
  if (name === 'QuotaExceededError' || inner === 'QuotaExceededError') return { kind: 'quota', message, at };
  return { kind: 'internal', message, at };
}
