import { MongoBulkWriteError } from 'mongodb';
import type { Scope } from '../eventStore.js';
import type { MongoContext } from './context.js';
import { countPositions, pruneMinutes } from './counters.js';
import { isDuplicateKeyCode, isDuplicateKeyError, isTransientCode, isTransientWriteError, retryTransient, toStoreError, writeErrorsOf } from './errors.js';
import { Lease } from './lease.js';
import { incarnationKey, positionId, type PositionDoc, type SequencerDoc } from './schema.js';
import { nextPosition, orderClaims, seqKey } from './sequenceOrder.js';

/** Markers read per round. */
const ROUND_SIZE = 256;
/** A sequencer with nothing to do for this long gives its lease up. */
const IDLE_RELEASE_MS = 15_000;
const MIN_POLL_MS = 5;
/**
 * After a round with work, the next waits this long: the markers of commits made meanwhile (here
 * and on other instances) share one round, so a loaded store costs fewer writes per append.
 */
const COALESCE_MS = 20;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The per-store sequencer: gives unsequenced commits consecutive global positions, in per-stream
 * order. One instance at a time holds a store's sequencer lease; it reads markers in pages and
 * claims positions by inserting position documents, each under a unique `_id` (the position) and
 * a unique (streamId, fromVersion) (the commit), so that two sequencers can never give out one
 * position or sequence one commit twice. Positions are claimed in order, each only after the one
 * before it exists, so the global order has no gap that is not being filled; readers stop at one.
 *
 * A stream's commits are sequenced in stream order: a marker ahead of the stream's sequenced end
 * means a commit in between has no marker yet (its writer is still writing it, or died first);
 * the sequencer reads it from the stream chain and sequences it first.
 */
export class Sequencer {
  private readonly lease: Lease<SequencerDoc>;
  private running = false;
  private woken = false;
  private wakeUp: (() => void) | null = null;
  private closed = false;
  /** The next global position to give; known while holding the lease. */
  private next: number | null = null;
  private lastPrune = 0;

  constructor(
    private readonly ctx: MongoContext,
    readonly scope: Scope,
    readonly inc: string,
    private readonly onStop: (sequencer: Sequencer) => void,
  ) {
    this.lease = new Lease(ctx.c.sequencers, incarnationKey(scope, inc), { org: scope.org, store: scope.store, inc }, ctx.instanceId, ctx.tuning.leaseMs);
  }

  get holding(): boolean {
    return this.lease.token !== null;
  }

  get active(): boolean {
    return this.running;
  }

  /** There may be work: run a round soon (taking the lease if it is free). */
  wake(): void {
    if (this.closed) return;
    this.woken = true;
    if (this.wakeUp) this.wakeUp();
    if (!this.running && this.lease.mayAcquire) void this.run();
  }

  /** Stops, giving the lease up. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp?.();
    await this.release();
  }

  /** Gives the lease up; if that fails, the lease simply expires (reported, not thrown). */
  private async release(): Promise<void> {
    try {
      await this.lease.release();
    } catch (error) {
      this.ctx.listeners.backgroundFailure('sequencer', toStoreError(error));
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    this.woken = false;
    try {
      if (!(await this.lease.acquire())) return;
      this.next = null;
      let idleSince = Date.now();
      let pollMs = MIN_POLL_MS;
      while (!this.closed) {
        if (this.lease.remainingMs < this.ctx.tuning.leaseMs * 0.6 && !(await this.lease.renew())) break;
        this.woken = false;
        let worked: boolean;
        try {
          worked = await this.round();
        } catch (error) {
          if (error instanceof StoreGone) {
            await this.forgetDeadIncarnation();
            break;
          }
          this.ctx.listeners.backgroundFailure('sequencer', toStoreError(error));
          worked = false;
          this.next = null;
        }
        if (worked) {
          idleSince = Date.now();
          pollMs = MIN_POLL_MS;
          await new Promise((r) => setTimeout(r, COALESCE_MS));
          continue;
        }
        if (Date.now() - idleSince > IDLE_RELEASE_MS && !this.woken) break;
        if (!this.woken) await this.sleep(pollMs);
        pollMs = Math.min(pollMs * 2, this.ctx.tuning.maxSequencerPollMs);
      }
      await this.release();
    } catch (error) {
      this.ctx.listeners.backgroundFailure('sequencer', toStoreError(error));
    } finally {
      this.running = false;
      this.next = null;
      if (this.woken && !this.closed && this.lease.mayAcquire) void this.run();
      else this.onStop(this);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = this.wakeUp;
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = wake;
        done();
      };
    });
  }

  /** One page of markers sequenced. Returns whether there was anything to do. */
  private async round(): Promise<boolean> {
    const { ctx, scope, inc } = this;
    const byScope = { org: scope.org, store: scope.store, inc };
    if (this.next === null) this.next = await nextPosition(ctx, scope, inc);
    const markers = await ctx.c.markers.find(byScope, { sort: { createdAt: 1 } }).limit(ROUND_SIZE).toArray();
    if (markers.length === 0) return false;
    const { claims, stale } = await orderClaims(ctx, scope, inc, markers);
    if (claims.length > 0) {
      const token = this.lease.token;
      if (token === null) throw new Error('sequencer lease lost');
      const positions: PositionDoc[] = [];
      const sequencedAt = new Date();
      let g = this.next;
      for (const claim of claims) {
        const count = claim.toVersion - claim.fromVersion + 1;
        positions.push({
          _id: positionId(scope, inc, g),
          org: scope.org,
          store: scope.store,
          inc,
          g,
          count,
          streamId: claim.streamId,
          streamType: claim.streamType,
          fromVersion: claim.fromVersion,
          commit: claim._id,
          types: claim.typeCounts.map((c) => c.t),
          typeCounts: claim.typeCounts,
          createdAt: claim.createdAt,
          sequencedAt,
          token,
        });
        g += count;
      }
      const claimed = await this.claim(positions);
      for (const p of claimed) ctx.sequenced.set(seqKey(scope, inc, p.streamId), p.fromVersion + p.count);
      if (claimed.length > 0) {
        this.next = claimed[claimed.length - 1]!.g + claimed[claimed.length - 1]!.count;
        const done = new Set(claimed.map((p) => p.commit));
        stale.push(...markers.filter((m) => done.has(m._id)).map((m) => m._id));
        if ((await countPositions(ctx, scope, inc, claimed)) === 'store_gone') throw new StoreGone();
        ctx.listeners.globalOrderAdvanced(scope);
      }
    }
    if (stale.length > 0) await retryTransient(() => ctx.c.markers.deleteMany({ _id: { $in: stale } }));
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneMinutes(ctx, scope, inc);
    }
    // Markers that wait for a hole in their stream to be filled are not progress: back off.
    return claims.length > 0 || stale.length > 0;
  }

  /**
   * The store was deleted (or recreated) while we sequenced it: what we wrote for its old
   * incarnation after the delete is unreachable; remove it.
   */
  private async forgetDeadIncarnation(): Promise<void> {
    const byScope = { org: this.scope.org, store: this.scope.store, inc: this.inc };
    await Promise.all([this.ctx.c.positions.deleteMany(byScope), this.ctx.c.markers.deleteMany(byScope)]).catch((error: unknown) =>
      // Unreachable leftovers of a dead incarnation: only space is lost.
      this.ctx.listeners.backgroundFailure('dead_incarnation_cleanup', toStoreError(error)),
    );
    this.ctx.sequenced.deletePrefix(`${incarnationKey(this.scope, this.inc)}:`);
  }

  /**
   * Inserts positions in order; returns those inserted. A collision means another sequencer
   * claimed that position or that commit (our lease lapsed, or theirs did): everything after it is
   * decided again from the database.
   */
  private async claim(positions: PositionDoc[]): Promise<PositionDoc[]> {
    try {
      if (positions.length === 1) await this.ctx.c.positions.insertOne(positions[0]!);
      else await this.ctx.c.positions.insertMany(positions, { ordered: true });
      return positions;
    } catch (error) {
      let inserted = 0;
      if (error instanceof MongoBulkWriteError) {
        const first = writeErrorsOf(error)[0];
        // Failed as a whole (network): which positions landed is unknown; the next round reads them back.
        if (!first) throw error;
        // Refused for now: the positions before it are ours; the next round goes on from there.
        if (isTransientCode(first.code, first.errmsg)) return positions.slice(0, first.index);
        if (!isDuplicateKeyCode(first.code)) throw error;
        inserted = first.index;
      } else if (isTransientWriteError(error)) return [];
      else if (!isDuplicateKeyError(error)) throw error;
      this.next = null;
      for (const p of positions.slice(inserted)) this.ctx.sequenced.delete(seqKey(this.scope, this.inc, p.streamId));
      if (!(await this.lease.renew())) throw new Error('sequencer lease lost');
      return positions.slice(0, inserted);
    }
  }

}

class StoreGone extends Error {}
