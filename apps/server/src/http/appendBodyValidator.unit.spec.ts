import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '@eventlane/contracts';
import { appendBodyValidator } from './appendBodyValidator.js';
import { zodValidatorCompiler } from './validation.js';

const limits = { maxEventsPerAppend: 4, maxJsonDepth: 3 };
const fast = appendBodyValidator(limits);
const zod = zodValidatorCompiler({ schema: fast.schema, method: 'POST', url: '', httpPart: 'body' });

/** A validation's answer, comparable: zod's issues for an error, else the value. */
function outcome(answer: unknown): { error: unknown } | { value: unknown } {
  const result = answer as { value?: unknown; error?: Error & { zodIssues?: unknown } };
  return result.error ? { error: result.error.zodIssues } : { value: result.value };
}

const uuid = '3b241101-e2bb-4255-8caf-4136c566a962';
const astral = '\u{1F600}';
// Values chosen around every rule of the schema: lengths (in UTF-16 units), uuid shapes, depths,
// integer bounds, modes, wrong types and unknown keys.
const stringish = fc.oneof(
  fc.constantFrom('', 'x', 'OrderPlaced', 'x'.repeat(256), 'x'.repeat(257), astral.repeat(256), astral.repeat(257), 'a'.repeat(64), 'a'.repeat(65), astral.repeat(64), astral.repeat(65)),
  fc.constantFrom(`${'x'.repeat(255)}\uD800`, `${'x'.repeat(256)}\uD800`, `\uDC00${astral.repeat(255)}`, `\uDC00${astral.repeat(256)}`),
  fc.string({ maxLength: 8, unit: 'binary' }),
);
const eventIdish = fc.oneof(
  fc.constantFrom(uuid, uuid.toUpperCase(), '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '3b241101-e2bb-9255-8caf-4136c566a962', '3b241101-e2bb-4255-7caf-4136c566a962', `${uuid}\n`, 'not-a-uuid'),
  fc.uuid(),
  fc.integer(),
);
const nested = (depth: number): unknown => (depth === 0 ? 1 : { a: nested(depth - 1) });
const objectish = fc.oneof(
  fc.constantFrom({}, { a: 1 }, nested(3), nested(4), { a: [[1]] }, { a: [[[1]]] }, [], null, 'text', 0),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 3 }),
);
const event = fc.record(
  {
    type: fc.oneof(stringish, fc.constant(null), fc.integer()),
    data: objectish,
    metadata: objectish,
    schemaVersion: fc.oneof(stringish, fc.integer()),
    eventId: eventIdish,
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);
// Mostly well-formed events, one field at a time off: most bodies land near the accepting side.
const nearlyValidEvent = fc.record(
  {
    type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('OrderPlaced', 'T') }, { weight: 1, arbitrary: stringish }),
    data: fc.oneof({ weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) }, { weight: 1, arbitrary: objectish }),
    metadata: fc.oneof(fc.constant(null), fc.constant({ user: 'u' }), objectish),
    schemaVersion: fc.oneof(fc.constant('1'), stringish),
    eventId: fc.oneof({ weight: 3, arbitrary: fc.uuid({ version: 4 }) }, { weight: 1, arbitrary: eventIdish }),
  },
  { requiredKeys: ['type', 'data'] },
);
const expected = fc.oneof(
  fc.constantFrom('no_stream', 'stream_exists', 'any', 'none', 0, -0, -1, 1.5, 2 ** 53 - 1, 2 ** 53, 1e300, null, '3'),
  fc.integer(),
);
const body = fc.oneof(
  fc.record(
    {
      events: fc.array(nearlyValidEvent, { minLength: 1, maxLength: 5 }),
      options: fc.record({ expectedStreamVersion: expected }, { requiredKeys: [] }),
    },
    { requiredKeys: ['events'] },
  ),
  fc.record(
    {
      events: fc.oneof(fc.array(event, { maxLength: 6 }), fc.constant([{ type: 'T', data: {}, eventId: uuid }, { type: 'U', data: {}, eventId: uuid }]), fc.constant('events')),
      options: fc.oneof(fc.record({ expectedStreamVersion: expected, other: fc.integer() }, { requiredKeys: [] }), fc.constant(null)),
      extra: fc.integer(),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

describe('appendBodyValidator', () => {
  it('answers exactly as zod does, on generated bodies valid and invalid', () => {
    let accepted = 0;
    let acceptedAsIs = 0;
    fc.assert(
      fc.property(body, (candidate) => {
        const result = fast.validate(candidate) as { value?: unknown; error?: Error };
        const mine = outcome(result);
        expect(mine).toEqual(outcome(zod(candidate)));
        if ('value' in mine) accepted++;
        // The compiled check accepted it itself (zod would have returned a copy).
        if ('value' in result && result.value === candidate) acceptedAsIs++;
      }),
      { numRuns: 5_000, seed: 15 },
    );
    // The generator must reach the accepting side too, or the comparison above proves little; and
    // every body zod accepts is taken by the compiled check, not by falling back to zod.
    expect(accepted).toBeGreaterThan(200);
    expect(acceptedAsIs).toBe(accepted);
  });

  it.each([
    ['a type of 257 astral characters (zod counts code points)', { events: [{ type: astral.repeat(257), data: {} }] }],
    ['a schemaVersion of 65 astral characters', { events: [{ type: 'T', data: {}, schemaVersion: astral.repeat(65) }] }],
    ['data nested deeper than the limit', { events: [{ type: 'T', data: nested(4) }] }],
    ['metadata nested deeper than the limit', { events: [{ type: 'T', data: {}, metadata: { a: [[[1]]] } }] }],
    ['an event id twice', { events: [{ type: 'T', data: {}, eventId: uuid }, { type: 'U', data: {}, eventId: uuid }] }],
    ['an event id of the wrong variant', { events: [{ type: 'T', data: {}, eventId: '3b241101-e2bb-4255-7caf-4136c566a962' }] }],
    ['more events than the limit', { events: Array.from({ length: 5 }, () => ({ type: 'T', data: {} })) }],
  ])('refuses %s with zod’s issues', (_what, candidate) => {
    const result = outcome(fast.validate(candidate));
    expect(result).toHaveProperty('error');
    expect(result).toEqual(outcome(zod(candidate)));
  });

  it('accepts a typical body as it came, without copying data', () => {
    const data = { orderId: 'o-1', items: [{ sku: 'a' }] };
    const candidate = { events: [{ type: 'OrderPlaced', data, metadata: null, eventId: uuid }], options: { expectedStreamVersion: 'any' } };
    const result = fast.validate(candidate) as { value: typeof candidate };
    expect(result.value).toEqual(candidate);
    expect(result.value.events[0]!.data).toBe(data);
  });

  it('compiles with the default limits', () => {
    expect(appendBodyValidator(DEFAULT_LIMITS).validate({ events: [{ type: 'T', data: {} }] })).toEqual({ value: { events: [{ type: 'T', data: {} }] } });
  });
});
