import { describe, expect, it } from 'vitest';
import { findForbiddenKey } from './append';
import { compileEventFilter, exactStreamId, type EventFilter } from './explore';
import type { StoredEvent } from './events';

const event = (over: Partial<StoredEvent>): StoredEvent => ({
  eventId: 'e',
  streamId: 'order-1',
  streamType: 'order',
  streamPosition: 0,
  globalPosition: 0,
  type: 'order.placed',
  data: {},
  metadata: null,
  schemaVersion: null,
  transactionId: 't-1',
  createdAt: '2026-01-01T12:00:00.000Z',
  ...over,
});

describe('compileEventFilter', () => {
  const matches = (filter: EventFilter, over: Partial<StoredEvent> = {}) => compileEventFilter(filter)(event(over));
  it('checks each filter', () => {
    expect(matches({})).toBe(true);
    expect(matches({ types: ['a', 'order.placed'] })).toBe(true);
    expect(matches({ types: ['a'] })).toBe(false);
    expect(matches({ streamType: 'user' })).toBe(false);
    expect(matches({ streamIdPattern: 'order-?' })).toBe(true);
    expect(matches({ streamIdPattern: 'ord*1' })).toBe(true);
    expect(matches({ streamIdPattern: 'order' })).toBe(false);
    expect(matches({ transactionId: 't-2' })).toBe(false);
    expect(matches({ createdFrom: '2026-01-01T12:00:00Z' })).toBe(true);
    expect(matches({ createdTo: '2026-01-01T12:00:00Z' })).toBe(false);
    expect(matches({ metadataKey: 'correlationId', metadataValue: 'c' }, { metadata: { correlationId: 'c' } })).toBe(true);
    expect(matches({ metadataKey: 'n', metadataValue: '7' }, { metadata: { n: 7 } })).toBe(true);
    expect(matches({ metadataKey: 'correlationId', metadataValue: 'c' })).toBe(false);
    expect(matches({ metadataKey: 'correlationId' }, { metadata: { correlationId: 'x' } })).toBe(true);
    expect(matches({ metadataKey: 'correlationId' }, { metadata: { other: 'x' } })).toBe(false);
    expect(matches({ metadataValue: 'c-9' }, { metadata: { a: 'b', causationId: 'c-9' } })).toBe(true);
    expect(matches({ metadataValue: 'c-9' }, { metadata: { a: 'b' } })).toBe(false);
    expect(matches({ metadataKey: '__proto__', metadataValue: '{}' }, { metadata: {} })).toBe(false);
    // An inherited property is not a metadata field.
    expect(matches({ metadataKey: 'toString', metadataValue: 'x' }, { metadata: {} })).toBe(false);
  });
  it('passes an exact stream id down, never a glob', () => {
    expect(exactStreamId('order-1')).toBe('order-1');
    expect(exactStreamId('order-*')).toBeUndefined();
    expect(exactStreamId(undefined)).toBeUndefined();
  });
});

describe('findForbiddenKey', () => {
  it('finds __proto__ and constructor.prototype wherever they are, with their path', () => {
    expect(findForbiddenKey(JSON.parse('{"__proto__":{"admin":true}}'))).toEqual(['__proto__']);
    expect(findForbiddenKey(JSON.parse('{"a":[1,{"b":{"__proto__":1}}]}'), ['data'])).toEqual(['data', 'a', 1, 'b', '__proto__']);
    expect(findForbiddenKey(JSON.parse('{"constructor":{"prototype":{}}}'))).toEqual(['constructor', 'prototype']);
    expect(findForbiddenKey({ constructor: 'fine', proto: 1 })).toBeNull();
    expect(findForbiddenKey('text')).toBeNull();
  });
});
