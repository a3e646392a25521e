import type { Clock, OnlineSignal } from './types.js';

/** `navigator.onLine` and the window's `online`/`offline` events; always online where there is no window (Node). */
export function browserOnlineSignal(): OnlineSignal {
  const target = globalThis as { navigator?: { onLine?: boolean }; addEventListener?: (type: string, listener: () => void) => void; removeEventListener?: (type: string, listener: () => void) => void };
  return {
    isOnline: () => target.navigator?.onLine ?? true,
    subscribe(listener) {
      if (!target.addEventListener || !target.removeEventListener) return () => undefined;
      const online = () => listener(true);
      const offline = () => listener(false);
      target.addEventListener('online', online);
      target.addEventListener('offline', offline);
      return () => {
        target.removeEventListener?.('online', online);
        target.removeEventListener?.('offline', offline);
      };
    },
  };
}

/** An online signal set by hand: for tests, or an app with its own connectivity check. */
export function manualOnlineSignal(initial = true): OnlineSignal & { set(online: boolean): void } {
  let online = initial;
  const listeners = new Set<(online: boolean) => void>();
  return {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(value) {
      if (value === online) return;
      online = value;
      for (const listener of [...listeners]) listener(value);
    },
  };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
