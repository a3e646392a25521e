import type { BroadcastChannelLike, LockManagerLike } from '../leader.js';

/** An exclusive, first-come-first-served Web Locks stand-in shared by the "tabs" of a test. */
export class FakeLocks implements LockManagerLike {
  private readonly held = new Set<string>();
  private readonly waiting = new Map<string, Array<() => void>>();

  async request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown> {
    if (this.held.has(name)) {
      await new Promise<void>((resolve, reject) => {
        const queue = this.waiting.get(name) ?? [];
        const grant = () => resolve();
        queue.push(grant);
        this.waiting.set(name, queue);
        options.signal?.addEventListener('abort', () => {
          queue.splice(queue.indexOf(grant), 1);
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    }
    this.held.add(name);
    try {
      return await callback({ name });
    } finally {
      const next = this.waiting.get(name)?.shift();
      if (next) next();
      else this.held.delete(name);
    }
  }
}

/** BroadcastChannels of one name in one test: a message reaches every other channel of the hub, asynchronously. */
export class FakeChannelHub {
  private readonly channels = new Set<BroadcastChannelLike>();

  channel(): BroadcastChannelLike {
    const channels = this.channels;
    const channel: BroadcastChannelLike = {
      onmessage: null,
      postMessage(message) {
        for (const other of channels) if (other !== channel) queueMicrotask(() => other.onmessage?.({ data: structuredClone(message) }));
      },
      close() {
        channels.delete(channel);
      },
    };
    channels.add(channel);
    return channel;
  }
}
