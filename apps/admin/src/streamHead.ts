import type { OutboxEntry } from '@eventlane/client';

/** Entries the server has not (yet) stored: they still count toward the head an append should expect. */
const OPEN_STATES = new Set<OutboxEntry['state']>(['pending', 'syncing', 'paused', 'conflict']);

/**
 * The version a new append to this stream should expect: the newest version the server told us
 * (a read or a synced append), plus the events still in the outbox for the stream. That way
 * several appends queued offline chain instead of conflicting with each other.
 */
export function streamHead(serverVersion: number, entries: OutboxEntry[], store: string, streamId: string): number {
  let known = serverVersion;
  let queued = 0;
  for (const entry of entries) {
    if (entry.store !== store || entry.streamId !== streamId) continue;
    if (entry.state === 'synced' && entry.result) known = Math.max(known, entry.result.nextExpectedStreamVersion);
    else if (OPEN_STATES.has(entry.state)) queued += entry.events.length;
  }
  return known + queued;
}
