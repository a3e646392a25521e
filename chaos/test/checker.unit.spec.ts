import { describe, expect, it } from 'vitest';
import { checkHistory, type CheckInput, type Operation, type StoredEventView } from '../src/checker';

/** A clean history: two appends on one stream, the second at the first's version. */
function cleanHistory(): CheckInput {
  const operations: Operation[] = [
    { id: 0, writer: 0, streamId: 's-1', expected: 'no_stream', eventIds: ['a', 'b'], invokedAt: 0, completedAt: 10, attempts: 1, outcome: 'ok', nextExpectedStreamVersion: 2, eventsWritten: 2 },
    { id: 1, writer: 1, streamId: 's-1', expected: 2, eventIds: ['c'], invokedAt: 20, completedAt: 30, attempts: 2, outcome: 'ok', nextExpectedStreamVersion: 3, eventsWritten: 0 },
    { id: 2, writer: 2, streamId: 's-1', expected: 0, eventIds: ['d'], invokedAt: 20, completedAt: 25, attempts: 1, outcome: 'conflict' },
  ];
  const events: StoredEventView[] = [
    { eventId: 'a', streamId: 's-1', streamPosition: 0, globalPosition: 0, transactionId: 't1' },
    { eventId: 'b', streamId: 's-1', streamPosition: 1, globalPosition: 1, transactionId: 't1' },
    { eventId: 'c', streamId: 's-1', streamPosition: 2, globalPosition: 2, transactionId: 't2' },
  ];
  return {
    operations,
    events,
    streamVersions: new Map([['s-1', 3]]),
    reader: events.map((e) => ({ eventId: e.eventId, globalPosition: e.globalPosition })),
  };
}

const kinds = (input: CheckInput) => checkHistory(input).map((v) => v.kind);

describe('the history checker', () => {
  it('accepts a clean history', () => {
    expect(checkHistory(cleanHistory())).toEqual([]);
  });

  it('finds a lost acknowledged append', () => {
    const h = cleanHistory();
    h.events = h.events.filter((e) => e.eventId !== 'c');
    h.streamVersions.set('s-1', 2);
    h.reader = h.reader!.filter((r) => r.eventId !== 'c');
    expect(kinds(h)).toEqual(['lost_ack']);
  });

  it('finds a partial batch, a gap and a version that disagrees', () => {
    const h = cleanHistory();
    h.events = h.events.filter((e) => e.eventId !== 'a');
    h.reader = h.reader!.filter((r) => r.eventId !== 'a');
    expect(kinds(h)).toEqual(expect.arrayContaining(['partial_batch', 'position_gap_or_duplicate', 'stream_version_mismatch']));
  });

  it('finds a duplicate position and a duplicate event id', () => {
    const h = cleanHistory();
    h.events.push({ eventId: 'c', streamId: 's-1', streamPosition: 2, globalPosition: 3, transactionId: 't3' });
    expect(kinds(h)).toEqual(expect.arrayContaining(['duplicate_event_id', 'position_gap_or_duplicate']));
  });

  it('finds a conflict that wrote, and a phantom event', () => {
    const h = cleanHistory();
    h.events.push({ eventId: 'd', streamId: 's-1', streamPosition: 3, globalPosition: 3, transactionId: 't3' });
    h.events.push({ eventId: 'zz', streamId: 's-1', streamPosition: 4, globalPosition: 4, transactionId: 't4' });
    h.streamVersions.set('s-1', 5);
    h.reader = h.events.map((e) => ({ eventId: e.eventId, globalPosition: e.globalPosition }));
    // The conflicting op expected version 0, so its stored batch also breaks its expectation.
    expect(kinds(h).sort()).toEqual(['conflict_wrote', 'expectation_not_met', 'phantom_event']);
  });

  it('finds an acknowledgement at the wrong version and an unmet expectation', () => {
    const h = cleanHistory();
    h.operations[1] = { ...h.operations[1]!, nextExpectedStreamVersion: 4, expected: 1 };
    expect(kinds(h)).toEqual(['wrong_position', 'expectation_not_met']);
  });

  it('finds a real-time order inversion', () => {
    const h = cleanHistory();
    // op 1 now began after op 0 completed, yet sits below it.
    h.events = [
      { eventId: 'c', streamId: 's-1', streamPosition: 0, globalPosition: 0, transactionId: 't2' },
      { eventId: 'a', streamId: 's-1', streamPosition: 1, globalPosition: 1, transactionId: 't1' },
      { eventId: 'b', streamId: 's-1', streamPosition: 2, globalPosition: 2, transactionId: 't1' },
    ];
    h.operations[0] = { ...h.operations[0]!, expected: 'any', nextExpectedStreamVersion: 3 };
    h.operations[1] = { ...h.operations[1]!, expected: 'any', nextExpectedStreamVersion: 1 };
    h.reader = h.events.map((e) => ({ eventId: e.eventId, globalPosition: e.globalPosition }));
    expect(kinds(h)).toEqual(['real_time_order']);
  });

  it('finds a catch-up reader that skipped, repeated or went backwards', () => {
    const h = cleanHistory();
    h.reader = [
      { eventId: 'a', globalPosition: 0 },
      { eventId: 'a', globalPosition: 0 },
    ];
    expect(kinds(h)).toEqual(expect.arrayContaining(['reader_duplicate', 'reader_out_of_order', 'reader_skipped']));
  });
});
