import { describe, expect, it } from 'vitest';
import {
  makeListStreamsQuerySchema,
  makeReadStoreEventsQuerySchema,
  paginationSchema,
  streamIdPatternSchema,
  typeList,
} from './index';

describe('read query schemas', () => {
  const events = makeReadStoreEventsQuerySchema();

  it('fills the defaults the spec names', () => {
    expect(events.parse({})).toEqual({ limit: 100, offset: 0, sortDirection: 'asc', includeCount: false });
  });

  it('coerces query-string numbers and booleans, and accepts JSON ones', () => {
    expect(events.parse({ limit: '5', offset: '10', fromPosition: '3', toPosition: '9', includeCount: 'true' })).toMatchObject({
      limit: 5,
      offset: 10,
      fromPosition: 3,
      toPosition: 9,
      includeCount: true,
    });
    expect(events.parse({ limit: 5, includeCount: false })).toMatchObject({ limit: 5, includeCount: false });
  });

  it.each([
    ['limit', '0'],
    ['limit', '-1'],
    ['limit', '1001'],
    ['limit', 'ten'],
    ['limit', '2.5'],
    ['offset', '-1'],
    ['offset', ''],
    ['offset', ' '],
    ['limit', '1e2'],
    ['toPosition', ''],
    ['toPosition', '0x10'],
    ['fromPosition', '-1'],
    ['sortDirection', 'up'],
    ['includeCount', 'yes'],
  ])('rejects %s=%s with an issue at that key', (key, value) => {
    const result = events.safeParse({ [key]: value });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual([key]);
  });

  it('takes one type or a repeated one', () => {
    expect(typeList(events.parse({ type: 'a' }).type)).toEqual(['a']);
    expect(typeList(events.parse({ type: ['a', 'b'] }).type)).toEqual(['a', 'b']);
    expect(typeList(events.parse({}).type)).toBeUndefined();
  });

  it('rejects unknown parameters', () => {
    expect(events.safeParse({ from: 1 }).success).toBe(false);
  });

  it('honours a configured page size', () => {
    const small = makeReadStoreEventsQuerySchema({ maxPageSize: 50, defaultPageSize: 20 });
    expect(small.parse({}).limit).toBe(20);
    expect(small.safeParse({ limit: '51' }).success).toBe(false);
  });
});

describe('streamIdPattern', () => {
  it.each(['user-*', '*', 'order_??', 'a.b:c@d-*'])('accepts the glob %s', (glob) => {
    expect(streamIdPatternSchema.safeParse(glob).success).toBe(true);
  });
  it.each(['', 'user-[0-9]', 'a/b', 'a b', '(x|y)', 'a'.repeat(257)])('rejects %j', (glob) => {
    expect(streamIdPatternSchema.safeParse(glob).success).toBe(false);
  });
  it('defaults the stream sort', () => {
    expect(makeListStreamsQuerySchema().parse({})).toEqual({
      limit: 100,
      offset: 0,
      sortBy: 'streamId',
      sortDirection: 'asc',
      includeCount: false,
    });
  });
});

describe('pagination', () => {
  it('has total only when counted', () => {
    expect(paginationSchema.parse({ limit: 1, offset: 0, hasMore: false })).toEqual({ limit: 1, offset: 0, hasMore: false });
  });
});
