import type { CommandStartedEvent } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { checkQueryShapes, indexServes } from './queryShapes';

const find = (collection: string, filter: object, extra: object = {}) =>
  ({ commandName: 'find', command: { find: collection, filter, ...extra } }) as unknown as CommandStartedEvent;

describe('query-shape check (issue 11)', () => {
  it('accepts an equality prefix with a range or sort on the next key, and a limit', () => {
    expect(checkQueryShapes([find('commits', { org: 'o', store: 's', inc: 'i', streamId: 'x' }, { sort: { fromVersion: -1 }, limit: 1 })])).toEqual([]);
    expect(checkQueryShapes([find('positions', { org: 'o', store: 's', inc: 'i', g: { $gte: 3, $lte: 9 } }, { sort: { g: 1 }, limit: 10 })])).toEqual([]);
    expect(checkQueryShapes([find('commits', { _id: { $in: ['a', 'b'] } }, { limit: 2 })])).toEqual([]);
  });

  it('fails a query that no declared index serves, a sort that does not follow the prefix, and a find without a limit', () => {
    const violations = checkQueryShapes([
      // An aggregation over every commit of a store, filtered on an unindexed field.
      { commandName: 'aggregate', command: { aggregate: 'commits', pipeline: [{ $match: { 'events.type': 'x' } }] } } as unknown as CommandStartedEvent,
      // A scan sorted by a field that is not next in any index.
      find('commits', { org: 'o', store: 's', inc: 'i' }, { sort: { createdAt: 1 }, limit: 5 }),
      // Unbounded.
      find('streams', { org: 'o', store: 's', inc: 'i' }),
    ]);
    expect(violations.map((v) => [v.command, v.collection, v.reason])).toEqual([
      ['aggregate', 'commits', 'no declared index serves this filter/sort'],
      ['find', 'commits', 'no declared index serves this filter/sort'],
      ['find', 'streams', 'find without a limit'],
    ]);
  });

  it('matches a prefix, not any subset of the keys', () => {
    const index = { name: 'x', key: { org: 1, store: 1, inc: 1, streamId: 1 } };
    expect(indexServes(index, { org: 'o', store: 's' }, undefined)).toBe(true);
    expect(indexServes(index, { store: 's', streamId: 'x' }, undefined)).toBe(false);
  });
});
