import { describe, expect, it } from 'vitest';
import { BoundedCache } from './boundedCache';

describe('BoundedCache', () => {
  it('stays within its byte budget, evicting the least recently used first', () => {
    const entry = (key: string) => key.length * 2 + BoundedCache.ENTRY_OVERHEAD_BYTES + 16;
    const cache = new BoundedCache<number>(entry('a') * 3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('d', 4);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    expect(cache.size).toBeLessThanOrEqual(cache.maxBytes);
  });

  it('counts long keys by their size', () => {
    const cache = new BoundedCache<number>(10_000);
    for (let i = 0; i < 1_000; i++) cache.set(`${'x'.repeat(500)}-${i}`, i);
    expect(cache.size).toBeLessThanOrEqual(10_000);
    expect(cache.count).toBeLessThan(10);
  });

  it('holds nothing with a budget of 0, and drops a prefix', () => {
    const none = new BoundedCache<number>(0);
    none.set('a', 1);
    expect(none.get('a')).toBeUndefined();
    const cache = new BoundedCache<number>(100_000);
    cache.set('o:s:1:a', 1);
    cache.set('o:s:1:b', 2);
    cache.set('o:t:1:a', 3);
    cache.deletePrefix('o:s:');
    expect([cache.get('o:s:1:a'), cache.get('o:s:1:b'), cache.get('o:t:1:a')]).toEqual([undefined, undefined, 3]);
  });
});
