import { MongoBulkWriteError } from 'mongodb';
import type { Scope } from '../eventStore';
import type { MongoContext } from './context';
import { countPositions, pruneMinutes } from './counters';
import { isDuplicateKeyCode, isDuplicateKeyError, isTransientCode, isTransientWriteError, retryTransient, toStoreError } from './errors';
import { Lease } from './lease';
import { commitMeta, incarnationKey, positionId, type CommitMeta, type PositionDoc, type SequencerDoc } from './schema';

/** Markers read per round. */
const ROUND_SIZE = 256;
/** A sequencer with nothing to do for this long gives its lease up. */
const IDLE_RELEASE_MS = 15_000;
const MIN_POLL_MS = 5;
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
    await this.lease.release().catch(() => {});
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
          continue;
        }
        if (Date.now() - idleSince > IDLE_RELEASE_MS && !this.woken) break;
        if (!this.woken) await this.sleep(pollMs);
        pollMs = Math.min(pollMs * 2, this.ctx.tuning.maxSequencerPollMs);
      }
      await this.lease.release().catch(() => {});
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
    const { claims, stale } = await this.order(markers);
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
    await Promise.all([this.ctx.c.positions.deleteMany(byScope), this.ctx.c.markers.deleteMany(byScope)]).catch(() => {});
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
        const errors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
        const first = errors.reduce((a, b) => (a.index <= b.index ? a : b));
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

  /**
   * The commits to sequence now, in an order that keeps each stream's commits in stream order, and
   * the markers of commits sequenced already. Interleaves streams by marker time.
   */
  private async order(markers: CommitMeta[]): Promise<{ claims: CommitMeta[]; stale: string[] }> {
    const byStream = new Map<string, CommitMeta[]>();
    for (const m of markers) {
      const list = byStream.get(m.streamId) ?? [];
      list.push(m);
      byStream.set(m.streamId, list);
    }
    const ends = new Map<string, number>();
    await Promise.all(
      [...byStream].map(async ([streamId, list]) => {
        list.sort((a, b) => a.fromVersion - b.fromVersion);
        const end = await this.sequencedEnd(streamId);
        ends.set(streamId, end);
        const ahead = list.find((m) => m.fromVersion >= end);
        // Commits between the stream's sequenced end and its first marker have no marker yet.
        if (ahead && ahead.fromVersion > end) list.unshift(...(await this.unmarked(streamId, end, ahead.fromVersion)));
      }),
    );
    const claims: CommitMeta[] = [];
    const stale: string[] = [];
    for (const m of markers) {
      const list = byStream.get(m.streamId)!;
      while (list.length > 0 && list[0]!.fromVersion <= m.fromVersion) {
        const next = list.shift()!;
        const end = ends.get(m.streamId)!;
        if (next.fromVersion < end) stale.push(next._id);
        else if (next.fromVersion === end) {
          claims.push(next);
          ends.set(m.streamId, next.toVersion + 1);
        } else {
          // A hole in the stream chain that could not be read yet: the stream waits for the next round.
          list.length = 0;
        }
      }
    }
    return { claims, stale };
  }

  /** The stream version up to which its commits have positions. */
  private async sequencedEnd(streamId: string): Promise<number> {
    const key = seqKey(this.scope, this.inc, streamId);
    const cached = this.ctx.sequenced.get(key);
    if (cached !== undefined) return cached;
    const last = await this.ctx.c.positions.findOne(
      { org: this.scope.org, store: this.scope.store, inc: this.inc, streamId },
      { sort: { fromVersion: -1 }, projection: { _id: 0, fromVersion: 1, count: 1 } },
    );
    const end = last ? last.fromVersion + last.count : 0;
    this.ctx.sequenced.set(key, end);
    return end;
  }

  /** The stream's commits in [from, to) from its chain (their markers are missing), contiguous from `from`. */
  private async unmarked(streamId: string, from: number, to: number): Promise<CommitMeta[]> {
    const commits = await this.ctx.c.commits
      .find(
        { org: this.scope.org, store: this.scope.store, inc: this.inc, streamId, fromVersion: { $gte: from, $lt: to } },
        { sort: { fromVersion: 1 }, projection: { _id: 1, org: 1, store: 1, inc: 1, streamId: 1, streamType: 1, fromVersion: 1, toVersion: 1, createdAt: 1, 'events.type': 1 } },
      )
      .limit(Math.min(to - from, ROUND_SIZE))
      .toArray();
    const metas: CommitMeta[] = [];
    let expected = from;
    for (const commit of commits) {
      if (commit.fromVersion !== expected) break;
      metas.push(commitMeta(commit));
      expected = commit.toVersion + 1;
    }
    return metas;
  }
}

class StoreGone extends Error {}

const seqKey = (scope: Scope, inc: string, streamId: string) => `${incarnationKey(scope, inc)}:${streamId}`;

/** The next global position of a store incarnation: the end of its last position. */
export async function nextPosition(ctx: MongoContext, scope: Scope, inc: string): Promise<number> {
  const last = await ctx.c.positions.findOne(
    { org: scope.org, store: scope.store, inc },
    { sort: { g: -1 }, projection: { _id: 0, g: 1, count: 1 } },
  );
  return last ? last.g + last.count : 0;
}

/** Sequencers kept per process, running or not (a stopped one remembers until when another instance holds the lease). */
const MAX_SEQUENCERS = 10_000;

/** This process's sequencers, one per store incarnation it has seen work for. */
export class Sequencers {
  private readonly all = new Map<string, Sequencer>();
  private closed = false;

  constructor(private readonly ctx: MongoContext) {}

  /** A store incarnation got commits (or may have unsequenced ones): make sure it is sequenced. */
  wake(scope: Scope, inc: string): void {
    if (this.closed) return;
    const key = incarnationKey(scope, inc);
    let sequencer = this.all.get(key);
    if (sequencer) {
      this.all.delete(key);
    } else {
      // Not removed when it stops: it remembers that another instance holds the lease, so that
      // appends here do not ask the database for it each time.
      sequencer = new Sequencer(this.ctx, scope, inc, () => {});
      this.evict();
    }
    this.all.set(key, sequencer);
    sequencer.wake();
  }

  /** Forgets the least recently woken sequencers that are not running, past the cap. */
  private evict(): void {
    if (this.all.size < MAX_SEQUENCERS) return;
    for (const [key, sequencer] of this.all) {
      if (this.all.size < MAX_SEQUENCERS) break;
      if (!sequencer.active) this.all.delete(key);
    }
  }

  /** Whether this process sequences the store now. */
  holding(scope: Scope, inc: string): boolean {
    return this.all.get(incarnationKey(scope, inc))?.holding ?? false;
  }

  /** Stops the store's sequencer in this process (the store was deleted). */
  async stop(scope: Scope, inc: string): Promise<void> {
    const key = incarnationKey(scope, inc);
    const sequencer = this.all.get(key);
    this.all.delete(key);
    await sequencer?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.all.values()].map((s) => s.close()));
    this.all.clear();
  }
}
