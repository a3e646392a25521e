import type { Clock } from './types.js';

/**
 * Decides which tab syncs. `start` calls `onChange(true)` when this tab becomes the leader and
 * `onChange(false)` when it stops being one; `stop` gives leadership up (so another tab takes over).
 */
export interface LeaderElector {
  start(onChange: (isLeader: boolean) => void): void;
  stop(): Promise<void>;
}

/** The part of the Web Locks API used here (`navigator.locks`). */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
}

/** The part of `BroadcastChannel` used here. */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/** For a single context (Node, a worker, tests): always the leader. */
export function soleLeader(): LeaderElector {
  let onChange: ((isLeader: boolean) => void) | null = null;
  return {
    start(listener) {
      onChange = listener;
      listener(true);
    },
    async stop() {
      onChange?.(false);
      onChange = null;
    },
  };
}

/**
 * Web Locks: the tab that holds the lock `name` syncs; the browser hands the lock to a waiting
 * tab when the holder closes or crashes, so there is never a second leader.
 */
export function webLocksLeader(name: string, locks: LockManagerLike): LeaderElector {
  let abort: AbortController | null = null;
  let release: (() => void) | null = null;
  let done: Promise<unknown> = Promise.resolve();
  return {
    start(onChange) {
      abort = new AbortController();
      const held = new Promise<void>((resolve) => (release = resolve));
      done = locks
        .request(name, { signal: abort.signal }, async () => {
          onChange(true);
          try {
            await held;
          } finally {
            onChange(false);
          }
        })
        .catch(() => undefined); // aborted while waiting for the lock: nothing to release
    },
    async stop() {
      abort?.abort();
      release?.();
      await done;
    },
  };
}

type LeaderMessage = { type: 'heartbeat' | 'release'; tabId: string };

/**
 * Fallback where Web Locks are missing: the leader sends a heartbeat on a BroadcastChannel; a tab
 * that hears none for `timeoutMs` claims leadership; when two claim, the smaller tab id wins.
 * It can briefly elect two leaders (a stalled tab): harmless because event ids make resends
 * idempotent and each write-back is fenced by its sync token.
 */
export function broadcastChannelLeader(
  channel: BroadcastChannelLike,
  clock: Clock,
  options: { tabId?: string; heartbeatMs?: number; timeoutMs?: number } = {},
): LeaderElector {
  const tabId = options.tabId ?? crypto.randomUUID();
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 3000;
  let leader = false;
  let lastHeard = -Infinity;
  let timer: unknown = null;
  let listener: ((isLeader: boolean) => void) | null = null;

  const setLeader = (value: boolean) => {
    if (leader === value) return;
    leader = value;
    listener?.(value);
  };
  const tick = () => {
    if (leader) channel.postMessage({ type: 'heartbeat', tabId } satisfies LeaderMessage);
    else if (clock.now() - lastHeard >= timeoutMs) {
      setLeader(true);
      channel.postMessage({ type: 'heartbeat', tabId } satisfies LeaderMessage);
    }
    timer = clock.setTimeout(tick, heartbeatMs);
  };

  return {
    start(onChange) {
      listener = onChange;
      lastHeard = clock.now();
      channel.onmessage = (event) => {
        const message = event.data as LeaderMessage;
        if (message?.tabId === undefined || message.tabId === tabId) return;
        if (message.type === 'release') {
          lastHeard = -Infinity;
          return;
        }
        lastHeard = clock.now();
        if (leader && message.tabId < tabId) setLeader(false);
      };
      // Listen one timeout first, so that a new tab does not grab leadership from a live one.
      timer = clock.setTimeout(tick, timeoutMs);
    },
    async stop() {
      clock.clearTimeout(timer);
      if (leader) channel.postMessage({ type: 'release', tabId } satisfies LeaderMessage);
      setLeader(false);
      channel.onmessage = null;
      channel.close();
      listener = null;
    },
  };
}

/**
 * The Web Lock (and BroadcastChannel) name the clients of one database elect their syncing
 * context by. Outside a browser, give clients that share a database one lock manager and this
 * name: `leader: webLocksLeader(syncLockName(dbName), locks)`.
 */
export function syncLockName(dbName: string): string {
  return `eventlane-sync:${dbName}`;
}

/**
 * Web Locks when the platform has them; else, in a browser page, the BroadcastChannel election;
 * else (Node: one process, no tabs) a sole leader, so that a script syncs at once.
 */
export function defaultLeader(name: string, clock: Clock): LeaderElector {
  const scope = globalThis as { navigator?: { locks?: LockManagerLike }; document?: unknown };
  if (scope.navigator?.locks) return webLocksLeader(name, scope.navigator.locks);
  if (scope.document !== undefined && typeof BroadcastChannel === 'function') {
    return broadcastChannelLeader(new BroadcastChannel(name) as unknown as BroadcastChannelLike, clock);
  }
  return soleLeader();
}
