import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from '@eventlane/client';
import { streamHead } from './streamHead';

let id = 0;
function entry(state: OutboxEntry['state'], events: number, change: Partial<OutboxEntry> = {}): OutboxEntry {
  id += 1;
  return {
    id,
    store: 's1',
    streamId: 'a-1',
    events: Array.from({ length: events }, (_, i) => ({ type: 'E', data: { i }, eventId: `${id}-${i}` })),
    state,
    attempts: 0,
    lastError: null,
    result: null,
    currentVersion: null,
    createdAt: 0,
    updatedAt: 0,
    nextAttemptAt: 0,
    syncToken: null,
    ...change,
  };
}

describe('streamHead', () => {
  it('is the server version when nothing is queued', () => {
    expect(streamHead(4, [], 's1', 'a-1')).toBe(4);
  });

  it('counts the events still in the outbox, so offline appends chain instead of conflicting', () => {
    const entries = [entry('pending', 2), entry('paused', 1), entry('conflict', 1), entry('rejected', 5)];
    expect(streamHead(3, entries, 's1', 'a-1')).toBe(7);
  });

  it('trusts a synced append over a stale read, and ignores other streams', () => {
    const synced = entry('synced', 1, { result: { success: true, nextExpectedStreamVersion: 9, eventsWritten: 1 } });
    const elsewhere = entry('pending', 3, { streamId: 'b-1' });
    expect(streamHead(5, [synced, elsewhere, entry('pending', 1)], 's1', 'a-1')).toBe(10);
  });
});
