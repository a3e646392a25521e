import { UnavailableError } from '../errors.js';
import type { MongoContext } from './context.js';
import { retryTransient, toStoreError } from './errors.js';
import { insertMarkers, retryMarkers } from './markers.js';
import { commitMeta, type CommitMeta } from './schema.js';

/** A dead instance's commits are looked at from this long before the time it said it was clean. */
const CLEAN_MARGIN_MS = 2_000;
/** Markers older than this with nobody sequencing them wake a sequencer here. */
const ORPHAN_MARKER_AGE_MS = 3_000;

/**
 * This instance's background duties, on timers:
 * - heartbeat: `instances/<id>` with an expiry and the time before which all its commits are
 *   marked (`MarkerBook.cleanUntil`);
 * - recovery: when another instance's heartbeat expired, mark its commits from that time on (a
 *   crash between a commit and its marker leaves the commit unmarked), then forget the instance;
 * - janitor: markers that nobody sequences (their sequencer's holder died and no append wakes
 *   the store) wake a sequencer here, which takes the lease once it has expired;
 * - the marker book's retries.
 * An instance whose heartbeat has not been written for half its expiry stops appending until it
 * is again (`ensureAlive`): a survivor may be recovering it.
 */
export class Liveness {
  private lastBeat = 0;
  private timer: NodeJS.Timeout | null = null;
  private ticks = 0;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly ctx: MongoContext) {}

  private get expiryMs(): number {
    return this.ctx.tuning.heartbeatMs * 5;
  }

  /** Writes the first heartbeat and starts the timers. */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => this.tick(), this.ctx.tuning.heartbeatMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    // A clean stop: nothing of ours is left to recover. If this fails, the heartbeat expires and a
    // survivor finds nothing to mark.
    if (this.ctx.book.stale(0).length === 0) {
      await this.ctx.c.instances
        .deleteOne({ _id: this.ctx.instanceId })
        .catch((error: unknown) => this.ctx.listeners.backgroundFailure('liveness', toStoreError(error)));
    }
  }

  /** @throws UnavailableError when this instance cannot say it is alive (a survivor may be recovering it). */
  async ensureAlive(): Promise<void> {
    if (Date.now() - this.lastBeat < this.expiryMs / 2) return;
    try {
      await this.beat();
    } catch (error) {
      throw new UnavailableError('MongoDB is unreachable', { cause: error });
    }
  }

  private tick(): void {
    if (this.running || this.closed) return;
    this.ticks += 1;
    this.running = this.duties()
      .catch((error: unknown) => this.ctx.listeners.backgroundFailure('liveness', toStoreError(error)))
      .finally(() => {
        this.running = null;
      });
  }

  private async duties(): Promise<void> {
    await this.beat();
    await retryMarkers(this.ctx, this.ctx.book);
    if (this.ticks % 2 === 0) {
      await this.recoverDeadInstances();
      await this.wakeOrphanMarkers();
    }
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    await retryTransient(() =>
      this.ctx.c.instances.updateOne(
        { _id: this.ctx.instanceId },
        { $set: { expiresAt: new Date(now + this.expiryMs), cleanUntil: this.ctx.book.cleanUntil(new Date(now)) } },
        { upsert: true },
      ),
    );
    this.lastBeat = now;
  }

  /** Marks the commits of instances whose heartbeat expired, then forgets them. */
  private async recoverDeadInstances(): Promise<void> {
    const dead = await this.ctx.c.instances
      .find({ expiresAt: { $lt: new Date() } }, { sort: { expiresAt: 1 } })
      .limit(10)
      .toArray();
    for (const instance of dead) {
      if (instance._id === this.ctx.instanceId) continue;
      let since = new Date(instance.cleanUntil.getTime() - CLEAN_MARGIN_MS);
      for (;;) {
        const commits = await this.ctx.c.commits
          .find(
            { writer: instance._id, createdAt: { $gte: since } },
            {
              sort: { createdAt: 1 },
              projection: { _id: 1, org: 1, store: 1, inc: 1, streamId: 1, streamType: 1, fromVersion: 1, toVersion: 1, createdAt: 1, 'events.type': 1 },
            },
          )
          .limit(500)
          .toArray();
        const metas: CommitMeta[] = commits.map(commitMeta);
        // A marker for a commit sequenced already is dropped by its sequencer.
        await insertMarkers(this.ctx, metas);
        for (const meta of metas) this.ctx.sequencers.wake(meta, meta.inc);
        if (commits.length < 500) break;
        since = commits[commits.length - 1]!.createdAt;
      }
      await this.ctx.c.instances.deleteOne({ _id: instance._id, expiresAt: instance.expiresAt });
    }
  }

  /** Markers nobody sequences: wake a sequencer for their store (it waits for the lease to expire). */
  private async wakeOrphanMarkers(): Promise<void> {
    const old = await this.ctx.c.markers
      .find({ createdAt: { $lt: new Date(Date.now() - ORPHAN_MARKER_AGE_MS) } }, { sort: { createdAt: 1 }, projection: { org: 1, store: 1, inc: 1 } })
      .limit(50)
      .toArray();
    for (const m of old) this.ctx.sequencers.wake(m, m.inc);
  }
}
