import fc from 'fast-check';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { appendResponseSchema } from '@eventlane/contracts';
import { fastJsonSerializerCompiler } from './fastSerializer.js';

const route = { method: 'POST', url: '/api/event-stores/:eventStoreName/streams/:streamId', httpStatus: '200' };

describe('fastJsonSerializerCompiler', () => {
  const fast = fastJsonSerializerCompiler({ ...route, schema: appendResponseSchema });
  const zod = serializerCompiler({ ...route, schema: appendResponseSchema });

  it('writes an append answer byte for byte as the zod serializer did', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 1, max: 1000 }), (version, written) => {
        const answer = { success: true as const, nextExpectedStreamVersion: version, eventsWritten: written };
        expect(fast(answer)).toBe(zod(answer));
      }),
      { numRuns: 1_000, seed: 15 },
    );
  });

  it('leaves out what the schema does not declare, as zod did', () => {
    const answer = { success: true, nextExpectedStreamVersion: 3, eventsWritten: 1, internal: 'secret', position: 7n };
    expect(fast(answer)).toBe('{"success":true,"nextExpectedStreamVersion":3,"eventsWritten":1}');
    expect(fast(answer)).toBe(zod({ success: true, nextExpectedStreamVersion: 3, eventsWritten: 1, internal: 'secret' }));
  });
});
