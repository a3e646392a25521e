import { describe, expect, it } from 'vitest';
import {
  appendRequestSchema,
  describeVersionConflict,
  eventStoreNameSchema,
  jsonDepth,
  makeAppendRequestSchema,
  parseStreamType,
  streamIdSchema,
} from './index';

describe('parseStreamType', () => {
  it.each([
    ['user-123', 'user'],
    ['order_456', 'order'],
    ['product:789', 'product'],
    ['a-b_c:d', 'a'],
    ['plain', 'plain'],
    ['x:y-z', 'x'],
    ['-leading', '-leading'],
    ['user.profile-1', 'user.profile'],
  ])('%s → %s', (id, type) => {
    expect(parseStreamType(id)).toBe(type);
  });
});

describe('names', () => {
  it.each(['abc', 'orders', 'a1_b-c', '0rders', 'a'.repeat(63)])('store name %s is valid', (name) => {
    expect(eventStoreNameSchema.safeParse(name).success).toBe(true);
  });
  it.each(['ab', 'Orders', '_orders', '-orders', 'a'.repeat(64), 'or ders', 'or/ders', ''])('store name %j is invalid', (name) => {
    expect(eventStoreNameSchema.safeParse(name).success).toBe(false);
  });
  it.each(['u', 'user-123', 'A.b:c@d_e-f', 'x'.repeat(256)])('stream id %s is valid', (id) => {
    expect(streamIdSchema.safeParse(id).success).toBe(true);
  });
  it.each(['', 'a b', 'a/b', 'ü', 'x'.repeat(257), 'a%2Fb'])('stream id %j is invalid', (id) => {
    expect(streamIdSchema.safeParse(id).success).toBe(false);
  });
});

describe('append request', () => {
  it('keeps data objects as given, any key included', () => {
    const data = { $set: 1, 'a.b': 2, '': 3 };
    const parsed = appendRequestSchema.parse({ events: [{ type: 't', data }] });
    expect(parsed.events[0]!.data).toBe(data);
  });

  it('accepts every expectation form', () => {
    for (const expectedStreamVersion of [0, 7, 'no_stream', 'stream_exists', 'any'])
      expect(appendRequestSchema.safeParse({ events: [{ type: 't', data: {} }], options: { expectedStreamVersion } }).success).toBe(true);
  });

  it.each([
    ['negative', -1],
    ['fraction', 0.5],
    ['unsafe', 2 ** 60],
    ['unknown mode', 'latest'],
    ['numeric string', '3'],
    ['null', null],
  ])('rejects a %s expectation', (_name, expectedStreamVersion) => {
    expect(appendRequestSchema.safeParse({ events: [{ type: 't', data: {} }], options: { expectedStreamVersion } }).success).toBe(false);
  });

  it('rejects unknown keys, arrays as data, empty and oversized batches', () => {
    const limited = makeAppendRequestSchema({ maxEventsPerAppend: 2, maxJsonDepth: 3 });
    expect(limited.safeParse({ events: [{ type: 't', data: {} }], extra: 1 }).success).toBe(false);
    expect(limited.safeParse({ events: [{ type: 't', data: [] }] }).success).toBe(false);
    expect(limited.safeParse({ events: [] }).success).toBe(false);
    expect(limited.safeParse({ events: Array(3).fill({ type: 't', data: {} }) }).success).toBe(false);
    expect(limited.safeParse({ events: [{ type: 't', data: { a: { b: { c: 1 } } } }] }).success).toBe(true);
    expect(limited.safeParse({ events: [{ type: 't', data: { a: { b: { c: {} } } } }] }).success).toBe(false);
  });

  it('rejects the same event id twice in one append, pointing at the second', () => {
    const eventId = '0b6f4f8e-8f35-4d38-9d5e-4c1f3f0a6a11';
    const result = appendRequestSchema.safeParse({ events: [{ type: 't', data: {}, eventId }, { type: 't', data: {}, eventId }] });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['events', 1, 'eventId']);
  });
});

describe('jsonDepth', () => {
  it('counts nesting of objects and arrays', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [{ b: 1 }] })).toBe(3);
  });
  it('stops early past the limit on huge inputs', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(jsonDepth(deep, 64)).toBe(65);
  });
});

describe('describeVersionConflict', () => {
  it('says it as the spec does', () => {
    expect(describeVersionConflict(0, 1)).toBe('Expected version 0 but stream is at version 1');
    expect(describeVersionConflict('no_stream', 3)).toBe('Expected stream to not exist but stream is at version 3');
    expect(describeVersionConflict('stream_exists', 0)).toBe('Expected stream to exist but it does not');
  });
});

describe('webhook subscription bodies (issue 12)', () => {
  it('refuses an empty, non-http or credentialed url with an issue, never a throw (found by schemathesis)', async () => {
    const { createSubscriptionRequestSchema, updateSubscriptionRequestSchema } = await import('./subscriptions');
    for (const url of ['', 'not a url', 'ftp://example.com/x', 'https://user:pw@example.com/x']) {
      const parsed = createSubscriptionRequestSchema.safeParse({ url });
      expect(parsed.success, url).toBe(false);
      expect(parsed.error!.issues.every((issue) => issue.path[0] === 'url')).toBe(true);
      expect(updateSubscriptionRequestSchema.safeParse({ url }).success).toBe(false);
    }
    expect(createSubscriptionRequestSchema.parse({ url: 'https://example.com/hook' })).toMatchObject({ fromPosition: 'end', batchSize: 100 });
  });

  it('takes fromPosition as start, end or a JSON number: null, false, [] or "7" is refused, never read as 0', async () => {
    const { createSubscriptionRequestSchema, replaySubscriptionRequestSchema } = await import('./subscriptions');
    const url = 'https://example.com/hook';
    for (const fromPosition of [null, false, true, [], '', '7', 1.5, -1]) {
      expect(createSubscriptionRequestSchema.safeParse({ url, fromPosition }).success, JSON.stringify(fromPosition)).toBe(false);
      expect(replaySubscriptionRequestSchema.safeParse({ fromPosition }).success, JSON.stringify(fromPosition)).toBe(false);
    }
    for (const fromPosition of ['start', 'end', 0, 7]) expect(replaySubscriptionRequestSchema.parse({ fromPosition })).toEqual({ fromPosition });
  });

  it('pages subscriptions by at most MAX_PAGE_SIZE, the default included', async () => {
    const { makeListSubscriptionsQuerySchema } = await import('./subscriptions');
    expect(makeListSubscriptionsQuerySchema({ maxPageSize: 50 }).parse({})).toEqual({ limit: 50, offset: 0 });
    expect(makeListSubscriptionsQuerySchema().parse({})).toEqual({ limit: 100, offset: 0 });
    expect(makeListSubscriptionsQuerySchema({ maxPageSize: 50 }).safeParse({ limit: '51' }).success).toBe(false);
  });
});
