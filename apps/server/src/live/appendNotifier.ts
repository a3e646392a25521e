import { EventEmitter } from 'node:events';
import type { Scope } from '@eventlane/store';

const keyOf = (scope: Scope) => `${scope.org}\u0000${scope.store}`;

/**
 * In-process wake-ups for live tails: every advance of a store's global order in this process
 * (`Storage.watch`) bumps its store's counter, and tails of that store stop waiting. It only shortens the wait; the tail still reads
 * the store itself, so a missed or extra wake-up never loses or repeats an event.
 */
export class AppendNotifier {
  private readonly emitter = new EventEmitter();
  private readonly versions = new Map<string, number>();

  constructor() {
    // One listener per open tail; many tails may watch one store.
    this.emitter.setMaxListeners(0);
  }

  /** A number that changes whenever the store gets an append through this process. */
  version(scope: Scope): number {
    return this.versions.get(keyOf(scope)) ?? 0;
  }

  notify(scope: Scope): void {
    const key = keyOf(scope);
    this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
    this.emitter.emit(key);
  }

  /**
   * Resolves when the store's version differs from `seen` (at once if it already does), after
   * `timeoutMs`, or when `signal` aborts: whichever is first.
   */
  wait(scope: Scope, seen: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const key = keyOf(scope);
    if (this.version(scope) !== seen || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(key, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.emitter.on(key, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
