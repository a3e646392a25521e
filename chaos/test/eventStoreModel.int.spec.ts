import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { DuplicateEventIdError, VersionConflictError, type ExpectedVersionForConflict, type NewEvent, type Storage } from '@eventlane/store';
import { freshBackend, type Backend } from '../src/openBackend';

/**
 * Model-based tests: random command sequences run against an adapter and against a reference
 * model (plain arrays); after every command both must agree. Commands: appends with head, stale,
 * omitted and string expectations, with or without event ids; retries of the last append; reads
 * of a stream and of the store's global order; restarts (close and reopen the storage).
 */

type Expect = 'head' | 'stale' | 'omitted' | 'any' | 'no_stream' | 'stream_exists' | 'ahead';
type Command =
  | { kind: 'append'; stream: number; expect: Expect; size: number; withIds: boolean }
  | { kind: 'retryLast' }
  | { kind: 'readStream'; stream: number }
  | { kind: 'readStore'; from: number }
  | { kind: 'restart' };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('append' as const), stream: fc.nat(2), expect: fc.constantFrom<Expect>('head', 'stale', 'omitted', 'any', 'no_stream', 'stream_exists', 'ahead'), size: fc.integer({ min: 1, max: 3 }), withIds: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'retryLast' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('readStream' as const), stream: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('readStore' as const), from: fc.nat(12) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
);

interface ModelEvent {
  eventId: string | null;
  type: string;
  data: Record<string, unknown>;
  streamId: string;
  streamPosition: number;
}

type Outcome = { ok: { next: number; written: number } } | { conflict: { expected: ExpectedVersionForConflict; current: number } } | { duplicate: true };

/** The reference: the spec's rules over arrays. */
class Model {
  streams = new Map<string, ModelEvent[]>();
  global: ModelEvent[] = [];

  append(streamId: string, events: NewEvent[], expected: number | 'no_stream' | 'stream_exists' | 'any' | undefined): Outcome {
    const stream = this.streams.get(streamId) ?? [];
    const ids = events.map((e) => e.eventId).filter((id): id is string => id !== undefined);
    if (ids.length > 0) {
      const stored = ids.map((id) => this.global.find((e) => e.eventId === id));
      if (stored.every((e) => e !== undefined)) {
        const first = stored[0]!;
        const replay = stored.every((e, i) => e!.streamId === streamId && e!.streamPosition === first.streamPosition + i);
        if (replay) return { ok: { next: first.streamPosition + ids.length, written: 0 } };
      }
      if (stored.some((e) => e !== undefined)) return { duplicate: true };
    }
    const version = stream.length;
    if (typeof expected === 'number' && expected !== version) return { conflict: { expected, current: version } };
    if (expected === 'no_stream' && version !== 0) return { conflict: { expected, current: version } };
    if (expected === 'stream_exists' && version === 0) return { conflict: { expected, current: version } };
    for (const [i, e] of events.entries()) {
      const event: ModelEvent = { eventId: e.eventId ?? null, type: e.type, data: e.data, streamId, streamPosition: version + i };
      stream.push(event);
      this.global.push(event);
    }
    this.streams.set(streamId, stream);
    return { ok: { next: stream.length, written: events.length } };
  }
}

async function outcomeOf(promise: Promise<{ nextExpectedStreamVersion: number; eventsWritten: number }>): Promise<Outcome> {
  try {
    const r = await promise;
    return { ok: { next: r.nextExpectedStreamVersion, written: r.eventsWritten } };
  } catch (error) {
    if (error instanceof VersionConflictError) return { conflict: { expected: error.expected, current: error.current } };
    if (error instanceof DuplicateEventIdError) return { duplicate: true };
    throw error;
  }
}

async function runCommands(backend: Backend, commands: Command[]): Promise<void> {
  const place = freshBackend(backend, inject('mongoUri'));
  let storage: Storage = await place.open();
  const scope = { org: 'model', store: 'model' };
  const model = new Model();
  type Call = { streamId: string; events: NewEvent[]; expected: Parameters<Model['append']>[2] };
  let last: Call | null = null;
  let counter = 0;
  try {
    for (const command of commands) {
      if (command.kind === 'append' || (command.kind === 'retryLast' && last)) {
        let call: Call = last!;
        if (command.kind === 'append') {
          const streamId = `s-${command.stream}`;
          const version = model.streams.get(streamId)?.length ?? 0;
          const expected =
            command.expect === 'head' ? version
            : command.expect === 'stale' ? Math.max(0, version - 1)
            : command.expect === 'ahead' ? version + 1
            : command.expect === 'omitted' ? undefined
            : command.expect;
          const events: NewEvent[] = Array.from({ length: command.size }, () => ({
            type: `t${counter % 3}`,
            data: { n: counter++ },
            ...(command.withIds ? { eventId: randomUUID() } : {}),
          }));
          call = { streamId, events, expected };
          last = call;
        }
        const expectedOutcome = model.append(call.streamId, call.events, call.expected);
        const actual = await outcomeOf(
          storage.append(scope, call.streamId, call.events, call.expected === undefined ? {} : { expectedStreamVersion: call.expected }),
        );
        expect(actual, `${JSON.stringify(command)} on ${call.streamId}`).toEqual(expectedOutcome);
      } else if (command.kind === 'readStream') {
        const streamId = `s-${command.stream}`;
        const read = await storage.readStream(scope, streamId, { limit: 1000 });
        const want = model.streams.get(streamId) ?? [];
        expect(read.currentStreamVersion).toBe(want.length);
        expect(read.events.map((e) => ({ type: e.type, data: e.data, streamPosition: e.streamPosition }))).toEqual(
          want.map((e) => ({ type: e.type, data: e.data, streamPosition: e.streamPosition })),
        );
        for (const [i, e] of want.entries()) if (e.eventId) expect(read.events[i]!.eventId).toBe(e.eventId);
      } else if (command.kind === 'readStore') {
        // Global order equals the order the model applied the appends, from any starting point
        // (once every append has its position: MongoDB gives them just after the answer).
        await storage.waitForGlobalOrder(scope);
        const all = await storage.readStore(scope, { limit: 1000 }).catch(() => ({ events: [] }));
        expect(all.events.map((e) => e.data)).toEqual(model.global.map((e) => e.data));
        const positions = all.events.map((e) => e.globalPosition);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        if (all.events.length > 0) {
          const from = positions[Math.min(command.from, positions.length - 1)]!;
          const tail = await storage.readStore(scope, { fromPosition: from, limit: 1000 });
          expect(tail.events.map((e) => e.eventId)).toEqual(all.events.filter((e) => e.globalPosition >= from).map((e) => e.eventId));
        }
      } else if (command.kind === 'restart') {
        await storage.close();
        storage = await place.open();
      }
    }
  } finally {
    await storage.close();
    await place.destroy();
  }
}

const BACKENDS: Backend[] = ['sqlite', 'mongodb'];

describe.each(BACKENDS)('model-based: %s adapter against the reference model', (backend) => {
  it.skipIf(backend === 'mongodb' && !inject('mongoUri'))('agrees after every command of random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 5, maxLength: 30 }), (commands) => runCommands(backend, commands)),
      { numRuns: backend === 'sqlite' ? 40 : 15, seed: Number(process.env.FC_SEED ?? 20261126), endOnFailure: true },
    );
  });
});
