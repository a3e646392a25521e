import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from './backoff';

const options = { baseMs: 1000, maxMs: 8000 };

describe('backoffDelay (full jitter)', () => {
  it('draws uniformly below base * 2^(attempt-1)', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(0);
    expect(backoffDelay(1, options, () => 0.999)).toBe(999);
    expect(backoffDelay(2, options, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, options, () => 0.5)).toBe(2000);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(backoffDelay(4, options, () => 0.999)).toBe(7992);
    expect(backoffDelay(50, options, () => 0.999)).toBeLessThan(8000);
    expect(backoffDelay(5000, options, () => 0.999)).toBeLessThan(8000);
  });

  it('waits at least the server Retry-After', () => {
    expect(backoffDelay(1, options, () => 0.1, 30_000)).toBe(30_000);
    expect(backoffDelay(4, options, () => 0.9, 10)).toBe(7200);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1);
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
  });
  it('ignores absent or unreadable values and caps absurd ones', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('99999999', now)).toBe(3_600_000);
  });
});
