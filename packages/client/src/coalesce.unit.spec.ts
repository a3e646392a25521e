import { describe, expect, it } from 'vitest';
import type { ExpectedStreamVersion } from '@eventlane/contracts';
import { buildAppendRequest, planBatch, rebaseFollowers, splitAppendResponse } from './coalesce';
import type { OutboxEntry } from './types';

let nextId = 1;
function entry(expected: ExpectedStreamVersion | undefined, count = 1, data: Record<string, unknown> = {}): OutboxEntry {
  const id = nextId++;
  return {
    id,
    store: 'orders',
    streamId: 'order-1',
    events: Array.from({ length: count }, (_, i) => ({ type: 'T', data, eventId: `00000000-0000-4000-8000-${String(id * 100 + i).padStart(12, '0')}` })),
    expectedStreamVersion: expected,
    state: 'pending',
    attempts: 0,
    lastError: null,
    result: null,
    currentVersion: null,
    createdAt: 0,
    updatedAt: 0,
    nextAttemptAt: 0,
    syncToken: null,
  };
}
const limits = { maxBodyBytes: 1024 * 1024, maxEventsPerAppend: 1000, maxJsonDepth: 64, maxPageSize: 1000 };
const ids = (batch: OutboxEntry[]) => batch.map((e) => e.id);

describe('planBatch', () => {
  it('chains numeric expectations that follow from the previous entry', () => {
    const queue = [entry(3, 2), entry(5, 1), entry(6, 3), entry(8)];
    expect(ids(planBatch(queue, limits))).toEqual(ids(queue.slice(0, 3)));
  });

  it('lets any, absent and stream_exists ride behind anything', () => {
    const queue = [entry('any'), entry(undefined), entry('stream_exists'), entry('any')];
    expect(planBatch(queue, limits)).toHaveLength(4);
  });

  it('knows the version after no_stream, but not after any', () => {
    expect(planBatch([entry('no_stream', 2), entry(2)], limits)).toHaveLength(2);
    expect(planBatch([entry('any', 2), entry(2)], limits)).toHaveLength(1);
    expect(planBatch([entry(0), entry('no_stream')], limits)).toHaveLength(1);
  });

  it('stops at an entry that is not pending (a conflict fences what is behind it)', () => {
    const blocked = { ...entry('any'), state: 'conflict' as const };
    expect(planBatch([entry('any'), blocked, entry('any')], limits)).toHaveLength(1);
  });

  it('keeps within the event count and the body size', () => {
    expect(planBatch([entry('any', 600), entry('any', 400), entry('any', 1)], limits)).toHaveLength(2);
    const big = { x: 'y'.repeat(400) };
    expect(planBatch([entry('any', 1, big), entry('any', 1, big), entry('any', 1, big)], { ...limits, maxBodyBytes: 1200 })).toHaveLength(2);
  });

  it('always sends the head, even alone over a limit, and respects maxEntries', () => {
    expect(planBatch([entry('any', 5), entry('any')], { ...limits, maxEventsPerAppend: 3 })).toHaveLength(1);
    expect(planBatch([entry('any'), entry('any')], limits, 1)).toHaveLength(1);
  });
});

describe('one request, answers per entry', () => {
  it('sends the events in order with the head expectation', () => {
    const batch = [entry(3, 2), entry(5, 1)];
    const request = buildAppendRequest(batch);
    expect(request.options).toEqual({ expectedStreamVersion: 3 });
    expect(request.events.map((e) => e.eventId)).toEqual(batch.flatMap((e) => e.events.map((x) => x.eventId)));
    expect(buildAppendRequest([entry(undefined)]).options).toBeUndefined();
  });

  it('splits the response as if each entry had been sent alone', () => {
    const batch = [entry(3, 2), entry(5, 1), entry(6, 3)];
    expect(splitAppendResponse(batch, { success: true, nextExpectedStreamVersion: 9, eventsWritten: 6 })).toEqual([
      { success: true, nextExpectedStreamVersion: 5, eventsWritten: 2 },
      { success: true, nextExpectedStreamVersion: 6, eventsWritten: 1 },
      { success: true, nextExpectedStreamVersion: 9, eventsWritten: 3 },
    ]);
    expect(splitAppendResponse(batch, { success: true, nextExpectedStreamVersion: 9, eventsWritten: 0 }).map((r) => r.eventsWritten)).toEqual([0, 0, 0]);
  });
});

describe('rebaseFollowers', () => {
  it('moves the chained numeric expectations by the same amount and stops at a break', () => {
    const head = entry(3, 2);
    const followers = [entry(5, 1), entry('any', 1), entry(7, 1), entry(42, 1), entry(9)];
    const changes = rebaseFollowers(head, 10, followers);
    expect([...changes.entries()]).toEqual([
      [followers[0]!.id, 12],
      [followers[2]!.id, 14],
    ]);
  });
});
