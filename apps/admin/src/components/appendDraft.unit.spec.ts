import { describe, expect, it } from 'vitest';
import { emptyDraft, expectedFrom, parseDraft } from './appendDraft';

const draft = (change: Partial<ReturnType<typeof emptyDraft>>) => ({ ...emptyDraft(), ...change });

describe('parseDraft', () => {
  it('turns a filled draft into the event the append endpoint takes', () => {
    const { event, errors } = parseDraft(draft({ type: ' OrderPlaced ', data: '{"total": 12, "$where": 1}', metadata: '{"by": "ops"}', schemaVersion: '2' }));
    expect(errors).toEqual({});
    expect(event).toEqual({ type: 'OrderPlaced', data: { total: 12, $where: 1 }, metadata: { by: 'ops' }, schemaVersion: '2' });
  });

  it('names the field and the JSON error when data does not parse', () => {
    const { event, errors } = parseDraft(draft({ type: 'A', data: '{"a": }' }));
    expect(event).toBeUndefined();
    expect(errors.data).toMatch(/^Data is not valid JSON/);
  });

  it('refuses data that is JSON but not an object, and an empty type', () => {
    expect(parseDraft(draft({ type: 'A', data: '[1]' })).errors.data).toMatch(/must be a JSON object/);
    expect(parseDraft(draft({ type: 'A', data: '42' })).errors.data).toMatch(/must be a JSON object/);
    expect(parseDraft(draft({ type: '  ', data: '{}' })).errors.type).toBe('Event type is required');
  });

  it('treats empty metadata as none and checks it when given', () => {
    expect(parseDraft(draft({ type: 'A', data: '{}', metadata: '  ' })).event).toEqual({ type: 'A', data: {} });
    expect(parseDraft(draft({ type: 'A', data: '{}', metadata: '"x"' })).errors.metadata).toMatch(/must be a JSON object/);
  });

  it('applies the server limits (nesting depth) before anything is queued', () => {
    const deep = '{"a":'.repeat(70) + '1' + '}'.repeat(70);
    expect(parseDraft(draft({ type: 'A', data: deep })).errors.data).toMatch(/nested deeper/);
  });
});

describe('expectedFrom', () => {
  it('uses the head, a typed number, or a string mode', () => {
    expect(expectedFrom('head', 7, '')).toEqual({ value: 7 });
    expect(expectedFrom('number', 7, ' 3 ')).toEqual({ value: 3 });
    expect(expectedFrom('number', 7, '-1').error).toMatch(/whole number/);
    expect(expectedFrom('no_stream', 7, '')).toEqual({ value: 'no_stream' });
    expect(expectedFrom('any', 7, '')).toEqual({ value: 'any' });
  });
});
