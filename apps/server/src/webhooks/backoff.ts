/** How retries of a failed batch are spaced. */
export interface RetryPolicy {
  /** The first retry waits up to this long (default 1 s). */
  initialDelayMs: number;
  /** No wait is longer, `Retry-After` included (default 10 min). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 10 * 60_000 };

/**
 * The wait before the next attempt after `failures` consecutive failures (1 after the first):
 * exponential backoff with full jitter, a random wait between 0 and
 * min(maxDelayMs, initialDelayMs · 2^(failures-1)). A receiver's `Retry-After` replaces it (capped too).
 *
 * @example retryDelayMs(3, DEFAULT_RETRY_POLICY, null, () => 0.5) // 2000
 */
export function retryDelayMs(failures: number, policy: RetryPolicy, retryAfterMs: number | null, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(policy.maxDelayMs, Math.max(0, retryAfterMs));
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(0, failures - 1), 40));
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` in milliseconds from now: delay-seconds (`120`) or an HTTP date; null when absent
 * or unreadable.
 */
export function parseRetryAfter(header: string | string[] | undefined, now = Date.now()): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return null;
  return Math.max(0, date - now);
}
