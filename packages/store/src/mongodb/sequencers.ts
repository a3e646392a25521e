import type { Scope } from '../eventStore.js';
import type { MongoContext } from './context.js';
import { incarnationKey } from './schema.js';
import { Sequencer } from './sequencer.js';

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
