import type { Scope, Storage } from '@eventlane/store';
import type { AppendNotifier } from '../live/appendNotifier.js';

interface Waiter {
  atLeast: number;
  resolve: () => void;
}

/**
 * Idle subscriptions wait here for their store's head to reach their position. One loop per store
 * with waiters, however many subscriptions it has: it looks the head up (one indexed lookup),
 * then sleeps until an append through this process wakes it (its waiters then read at once) or
 * `pollIntervalMs` passes (appends through other processes or instances). So an idle store costs
 * one head lookup per poll interval.
 */
export class HeadWatch {
  private readonly stores = new Map<string, { scope: Scope; waiters: Set<Waiter> }>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly storage: Storage,
    private readonly notifier: AppendNotifier,
    private readonly pollIntervalMs: number,
  ) {}

  stop(): void {
    this.stopping.abort();
  }

  /**
   * Resolves once the store's head is at least `atLeast`, after `maxWaitMs`, or when `signal`
   * aborts: whichever is first. The caller reads again either way.
   */
  wait(scope: Scope, atLeast: number, maxWaitMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const key = `${scope.org}\u0000${scope.store}`;
      let entry = this.stores.get(key);
      const start = !entry;
      if (!entry) {
        entry = { scope, waiters: new Set() };
        this.stores.set(key, entry);
      }
      const waiters = entry.waiters;
      const waiter: Waiter = {
        atLeast,
        resolve: () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', waiter.resolve);
          waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.resolve, maxWaitMs);
      signal.addEventListener('abort', waiter.resolve, { once: true });
      waiters.add(waiter);
      if (signal.aborted) waiter.resolve();
      if (start) void this.loop(key, entry);
    });
  }

  private async loop(key: string, entry: { scope: Scope; waiters: Set<Waiter> }): Promise<void> {
    try {
      while (entry.waiters.size > 0 && !this.stopping.signal.aborted) {
        const seen = this.notifier.version(entry.scope);
        const head = await this.storage.headGlobalPosition(entry.scope).catch(() => -1);
        for (const waiter of [...entry.waiters]) if (waiter.atLeast <= head) waiter.resolve();
        if (entry.waiters.size === 0) break;
        await this.notifier.wait(entry.scope, seen, this.pollIntervalMs, this.stopping.signal);
        // Woken by an append through this process: every waiter reads at once (its read is the
        // truth; the head lookup would only delay it). A poll that timed out looks the head up.
        if (this.notifier.version(entry.scope) !== seen) for (const waiter of [...entry.waiters]) waiter.resolve();
      }
    } finally {
      this.stores.delete(key);
      // A waiter that arrived while the loop was ending would otherwise wait for its timeout.
      if (entry.waiters.size > 0 && !this.stopping.signal.aborted) {
        this.stores.set(key, entry);
        void this.loop(key, entry);
      }
    }
  }
}
