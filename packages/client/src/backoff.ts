import type { BackoffOptions } from './types.js';

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 60_000 };

/** Retry-After is never honoured beyond this, so that a bad header cannot park the queue for days. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * Exponential backoff with full jitter: a uniform delay in [0, min(max, base * 2^(attempt-1))).
 * Full jitter spreads out clients that failed together (AWS architecture blog, "Exponential
 * Backoff And Jitter"). A server's Retry-After is a floor.
 *
 * @example backoffDelay(3, { baseMs: 1000, maxMs: 60000 }, Math.random) // somewhere in [0, 4000)
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number, retryAfterMs?: number | null): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(exponent, 30));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs == null ? jittered : Math.max(jittered, retryAfterMs);
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now`; `null` when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (header == null || header.trim() === '') return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}
