import { useEffect, useRef } from 'react';
import type { EventlaneClient } from '@eventlane/client';
import type { AdminApi } from './api/adminApi';

const RECONNECT_MS = 3_000;
const POLL_MS = 2_000;

/**
 * While `enabled`, keeps a stream's cached copy current: the server's live tail (SSE) says when
 * events arrive and the client library reads just the new ones into its cache. When the tail
 * cannot be had (offline, a store not created yet, an old server) it polls instead and keeps
 * trying to reconnect.
 */
export function useLiveTail(enabled: boolean, client: EventlaneClient, api: AdminApi, store: string, streamId: string, fromPosition: number): void {
  const from = useRef(fromPosition);
  from.current = fromPosition;
  useEffect(() => {
    if (!enabled) return;
    const abort = new AbortController();
    let reading = false;
    let again = false;
    const refresh = () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      client
        .readStream(store, streamId)
        .catch(() => undefined)
        .finally(() => {
          reading = false;
          if (again && !abort.signal.aborted) {
            again = false;
            refresh();
          }
        });
    };
    let poll: number | undefined;
    const run = async () => {
      while (!abort.signal.aborted) {
        try {
          refresh();
          await api.tailStream(store, streamId, from.current, refresh, abort.signal);
        } catch {
          if (abort.signal.aborted) return;
          poll ??= window.setInterval(refresh, POLL_MS);
        }
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    };
    void run();
    return () => {
      abort.abort();
      if (poll !== undefined) window.clearInterval(poll);
    };
  }, [enabled, client, api, store, streamId]);
}
