import { useEffect, useRef, useState } from 'react';
import { useSubscription } from '@trpc/tanstack-react-query';
import type { EventlaneClient } from '@eventlane/client';
import { useTRPC } from './api/trpc';

const POLL_MS = 2_000;

/**
 * While `enabled`, keeps a stream's cached copy current: the server's `streams.tail`
 * subscription (SSE, through tRPC's subscription link) says when events arrive and the client
 * library reads just the new ones into its cache. The link reconnects by itself and resumes
 * after the last event it got; while the tail cannot be had (offline, a store not created yet)
 * it polls instead. Returns whether the tail is connected.
 */
export function useLiveTail(enabled: boolean, client: EventlaneClient, store: string, streamId: string, fromPosition: number): 'off' | 'live' | 'polling' {
  const trpc = useTRPC();
  // The position the tail starts from is taken when it is switched on; the link resumes by itself after that.
  const [startAt, setStartAt] = useState(fromPosition);
  const wasEnabled = useRef(false);
  useEffect(() => {
    if (enabled && !wasEnabled.current) setStartAt(fromPosition);
    wasEnabled.current = enabled;
  }, [enabled, fromPosition]);

  const reading = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });
  const refresh = useRef(() => {});
  refresh.current = () => {
    const state = reading.current;
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    client
      .readStream(store, streamId)
      .catch(() => undefined)
      .finally(() => {
        state.busy = false;
        if (state.again) {
          state.again = false;
          refresh.current();
        }
      });
  };

  const subscription = useSubscription(
    trpc.streams.tail.subscriptionOptions(
      { eventStoreName: store, streamId, fromPosition: startAt },
      { enabled, onStarted: () => refresh.current(), onData: () => refresh.current() },
    ),
  );
  const failing = enabled && subscription.status === 'error';
  useEffect(() => {
    if (!failing) return;
    refresh.current();
    const timer = window.setInterval(() => refresh.current(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [failing]);
  if (!enabled) return 'off';
  return subscription.status === 'pending' ? 'live' : 'polling';
}
