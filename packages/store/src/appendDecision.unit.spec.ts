import { describe, expect, it } from 'vitest';
import { decideAppend, type AppendFacts } from './appendDecision';
import { DuplicateEventIdError, VersionConflictError } from './errors';

const facts = (over: Partial<AppendFacts>): AppendFacts => ({
  streamId: 's-1',
  expected: undefined,
  ids: [],
  eventCount: 1,
  version: 0,
  stored: new Map(),
  ...over,
});

describe('decideAppend: the rules both adapters obey', () => {
  it('writes at the version when the expectation holds', () => {
    expect(decideAppend(facts({ expected: 'no_stream' }))).toEqual({ kind: 'write', version: 0 });
    expect(decideAppend(facts({ expected: 3, version: 3 }))).toEqual({ kind: 'write', version: 3 });
    expect(decideAppend(facts({ expected: 'stream_exists', version: 1 }))).toEqual({ kind: 'write', version: 1 });
    expect(decideAppend(facts({ expected: 'any', version: 7 }))).toEqual({ kind: 'write', version: 7 });
  });

  it('refuses an expectation that does not hold, with the current version', () => {
    expect(() => decideAppend(facts({ expected: 2, version: 3 }))).toThrow(VersionConflictError);
    expect(() => decideAppend(facts({ expected: 'stream_exists', version: 0 }))).toThrow(VersionConflictError);
    try {
      decideAppend(facts({ expected: 'no_stream', version: 4 }));
    } catch (error) {
      expect(error).toMatchObject({ expected: 'no_stream', current: 4 });
    }
  });

  it('answers a replay whatever the expectation, before checking it', () => {
    const stored = new Map([
      ['a', { streamId: 's-1', position: 4 }],
      ['b', { streamId: 's-1', position: 5 }],
    ]);
    expect(decideAppend(facts({ ids: ['a', 'b'], eventCount: 2, expected: 0, version: 9, stored }))).toEqual({
      kind: 'answer',
      result: { nextExpectedStreamVersion: 6, eventsWritten: 0 },
    });
  });

  it('refuses ids stored elsewhere, in part, out of order, or repeated in the request', () => {
    const stored = new Map([
      ['a', { streamId: 's-1', position: 0 }],
      ['b', { streamId: 's-1', position: 1 }],
    ]);
    expect(() => decideAppend(facts({ streamId: 's-2', ids: ['a'], stored }))).toThrow(DuplicateEventIdError);
    expect(() => decideAppend(facts({ ids: ['a', 'c'], eventCount: 2, stored }))).toThrow(DuplicateEventIdError);
    expect(() => decideAppend(facts({ ids: ['b', 'a'], eventCount: 2, stored }))).toThrow(DuplicateEventIdError);
    // A batch with events without ids cannot be proven a replay.
    expect(() => decideAppend(facts({ ids: ['a'], eventCount: 2, stored }))).toThrow(DuplicateEventIdError);
    try {
      decideAppend(facts({ ids: ['x', 'y', 'x'], eventCount: 3 }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DuplicateEventIdError);
      expect((error as DuplicateEventIdError).eventIds).toEqual(['x']);
    }
  });

  it('writes nothing for an empty batch and answers the version', () => {
    expect(decideAppend(facts({ eventCount: 0, version: 5 }))).toEqual({ kind: 'answer', result: { nextExpectedStreamVersion: 5, eventsWritten: 0 } });
  });
});
