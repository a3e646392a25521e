import { Pool } from 'undici';
import { elapsedMs, percentile } from './stats';

/**
 * A closed-loop load generator of our own: `connections` keep-alive connections (undici, no
 * pipelining), each with exactly one request in flight, for `durationSec`. Every request's latency
 * is taken with `process.hrtime.bigint()` around the whole exchange (sent → body read), so
 * percentiles resolve to the microsecond; autocannon reports whole milliseconds.
 */
export interface LoadgenOptions {
  url: string;
  connections: number;
  durationSec: number;
  /** The request to send; called for every request (a new stream id and new event ids each time). */
  request: () => { method: 'POST' | 'GET'; path: string; headers: Record<string, string>; body?: string };
}

export interface LoadgenResult {
  requests: number;
  /** Answers with a 2xx status. */
  ok: number;
  /** Answers with another status, and transport errors. */
  failed: number;
  firstFailure?: string;
  seconds: number;
  requestsPerSec: number;
  /** Latency percentiles in ms (2xx answers only). */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export async function runLoad(options: LoadgenOptions): Promise<LoadgenResult> {
  const pool = new Pool(options.url, {
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
  });
  const latencies: number[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  const begin = process.hrtime.bigint();
  const deadline = begin + BigInt(Math.round(options.durationSec * 1e9));
  const worker = async () => {
    while (process.hrtime.bigint() < deadline) {
      const { method, path, headers, body } = options.request();
      const start = process.hrtime.bigint();
      try {
        const response = await pool.request({ method, path, headers, body });
        const text = await response.body.text();
        if (response.statusCode >= 200 && response.statusCode < 300) latencies.push(elapsedMs(start));
        else {
          failed += 1;
          firstFailure ??= `${response.statusCode} ${text.slice(0, 200)}`;
        }
      } catch (error) {
        failed += 1;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    await pool.close();
  }
  const seconds = elapsedMs(begin) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => percentile(latencies, p, true);
  return {
    requests: latencies.length + failed,
    ok: latencies.length,
    failed,
    ...(firstFailure ? { firstFailure } : {}),
    seconds,
    requestsPerSec: latencies.length / seconds,
    p50Ms: at(50),
    p90Ms: at(90),
    p99Ms: at(99),
    p999Ms: at(99.9),
    maxMs: latencies.length > 0 ? latencies[latencies.length - 1]! : Number.NaN,
  };
}
