import type { Collection } from 'mongodb';
import { isDuplicateKeyError, retryTransient } from './errors.js';

/** A lease document: who holds it, until when, and the fencing token of the current holding. */
export interface LeaseDoc {
  _id: string;
  holder: string | null;
  token: number;
  expiresAt: Date;
}

/**
 * A lease on one document, taken and renewed with `findOneAndUpdate`: one holder at a time, for
 * `ttlMs` unless renewed. The token grows with every acquisition, so work done under a lease can be
 * fenced: a holder that lost its lease (a long pause, a partition) is told so by `renew` and stops.
 *
 * Expiry uses each instance's own clock: clocks must agree to well within `ttlMs`. A lease only
 * decides who does the work; the unique indexes the work writes under keep it correct even when
 * two instances believe they hold it (FerretDB v1 runs findAndModify as read-then-write, so there
 * it can happen).
 *
 * @example
 * const lease = new Lease(c.sequencers, 'acme:orders:1a2b', { org: 'acme' }, instanceId, 5_000);
 * if (await lease.acquire()) { ...; await lease.renew(); ...; await lease.release(); }
 */
export class Lease<T extends LeaseDoc> {
  private held: { token: number; until: number } | null = null;
  /** When someone else holds it: until when (so that we do not ask again before). */
  private busyUntil = 0;

  constructor(
    private readonly collection: Collection<T>,
    readonly id: string,
    /** Fields written with the lease (e.g. the scope it belongs to). */
    private readonly fields: Partial<Omit<T, keyof LeaseDoc>>,
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** The token of the current holding, or null when not held (or expired by our clock). */
  get token(): number | null {
    return this.held && this.held.until > Date.now() ? this.held.token : null;
  }

  /** Time left on our holding, in ms (0 when not held). */
  get remainingMs(): number {
    return this.held ? Math.max(0, this.held.until - Date.now()) : 0;
  }

  /** Whether asking for the lease now could succeed (it looked free, or its holder's time is up). */
  get mayAcquire(): boolean {
    return this.busyUntil <= Date.now();
  }

  /** Takes the lease if it is free, expired, or ours. */
  async acquire(): Promise<boolean> {
    const now = Date.now();
    const until = now + this.ttlMs;
    try {
      const doc = await retryTransient(() => this.collection.findOneAndUpdate(
        { _id: this.id, $or: [{ holder: this.holder }, { expiresAt: { $lt: new Date(now) } }] } as never,
        { $set: { ...this.fields, holder: this.holder, expiresAt: new Date(until) }, $inc: { token: 1 } } as never,
        // No projection: FerretDB v1 does not implement one on findAndModify.
        { upsert: true, returnDocument: 'after' },
      ));
      if (doc && doc.holder === this.holder) {
        this.held = { token: doc.token, until };
        return true;
      }
    } catch (error) {
      // The document exists and is held by someone else (the upsert collided with it).
      if (!isDuplicateKeyError(error)) throw error;
    }
    this.held = null;
    const current = await this.collection.findOne({ _id: this.id } as never, { projection: { expiresAt: 1 } });
    this.busyUntil = current ? current.expiresAt.getTime() : 0;
    return false;
  }

  /** Extends our holding; false (and no longer held) when someone took it meanwhile. */
  async renew(): Promise<boolean> {
    if (!this.held) return false;
    const until = Date.now() + this.ttlMs;
    const token = this.held.token;
    const doc = await retryTransient(() =>
      this.collection.findOneAndUpdate(
        { _id: this.id, holder: this.holder, token } as never,
        { $set: { expiresAt: new Date(until) } } as never,
        { returnDocument: 'after' },
      ),
    );
    if (!doc) {
      this.held = null;
      return false;
    }
    this.held = { token: this.held.token, until };
    return true;
  }

  /** Gives the lease up at once (if still ours), so another instance need not wait for it to expire. */
  async release(): Promise<void> {
    if (!this.held) return;
    const token = this.held.token;
    this.held = null;
    await retryTransient(() =>
      this.collection.updateOne({ _id: this.id, holder: this.holder, token } as never, { $set: { holder: null, expiresAt: new Date(0) } } as never),
    );
  }

  /** Forgets the holding without telling the database (the store is gone). */
  drop(): void {
    this.held = null;
  }
}
