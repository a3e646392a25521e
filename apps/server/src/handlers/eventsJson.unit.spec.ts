import { describe, expect, it } from 'vitest';
import { storedEventSchema, type StoredEvent } from '@eventlane/contracts';
import { eventJson, eventsJson } from './eventsJson.js';

/** Bodies as a client sends them: integer-like keys, `$`/dotted/empty keys, escapes, lone surrogates, -0, 1e21. */
const BODIES = [
  '{}',
  '{"b":1,"10":2,"2":3,"a":{"$set":[1,"x\\u2028y",null,true]},"":null,"a.b":-0,"big":1e21,"small":1e-7}',
  '{"s":"\\ud800 \\"quoted\\" \\\\ \\n\\t\\u0001 é 日本 🎉","nested":{"deep":[[[{"k":[]}]]]},"__proto":1}',
];

function stored(data: string, metadata: string | null, globalPosition: number | null): StoredEvent {
  return {
    eventId: 'id-"1"\u2028',
    streamId: 'user-1/ä',
    streamType: 'user',
    streamPosition: 3,
    globalPosition,
    type: 'user.renamed\n',
    // What the read path parses out of the stored text, which the append wrote with JSON.stringify.
    data: JSON.parse(JSON.stringify(JSON.parse(data))) as StoredEvent['data'],
    metadata: metadata === null ? null : (JSON.parse(JSON.stringify(JSON.parse(metadata))) as StoredEvent['metadata']),
    schemaVersion: globalPosition === null ? null : 'v2',
    transactionId: 'tx-1',
    createdAt: '2026-11-30T11:00:00.000Z',
  };
}

describe('eventJson (issue 15: stored JSON spliced into answers)', () => {
  it('gives byte for byte the text that parsing and serialising through the response schema gives', () => {
    for (const data of BODIES) {
      for (const metadata of [null, ...BODIES]) {
        for (const globalPosition of [null, 0, 41]) {
          const event = stored(data, metadata, globalPosition);
          // The stored text is JSON.stringify of the appended value (encodeEvents).
          const asStored = { ...event, data: JSON.stringify(event.data), metadata: event.metadata === null ? null : JSON.stringify(event.metadata) };
          expect(eventJson(asStored)).toBe(JSON.stringify(storedEventSchema.parse(event)));
        }
      }
    }
  });

  it('joins events into an array', () => {
    const events = BODIES.map((data, i) => stored(data, null, i));
    const asStored = events.map((e) => ({ ...e, data: JSON.stringify(e.data), metadata: null }));
    expect(eventsJson(asStored)).toBe(JSON.stringify(events.map((e) => storedEventSchema.parse(e))));
    expect(eventsJson([])).toBe('[]');
  });
});
