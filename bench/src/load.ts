import autocannon from 'autocannon';
import { median } from './stats';
import { appendBody, appendPath, uniqueStreamId } from './workload';

export interface LoadOptions {
  url: string;
  apiKey: string;
  /** Events per request. */
  batch: number;
  connections: number;
  /** Seconds per measured round. */
  durationSec: number;
  warmupSec: number;
  rounds: number;
}

export interface LoadRound {
  requestsPerSec: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** Medians over the measured rounds (each metric's own median), plus the rounds themselves. */
export interface LoadResult extends LoadRound {
  rounds: LoadRound[];
}

/** One autocannon run: every request a new stream and new event ids; no pipelining. */
async function runOnce(options: LoadOptions, durationSec: number): Promise<LoadRound> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    duration: durationSec,
    headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
    requests: [
      {
        method: 'POST',
        // Called for every request: a fresh stream id and fresh event ids, so nothing is a replay or a conflict.
        setupRequest: (request) => ({ ...request, path: appendPath(uniqueStreamId()), body: appendBody(options.batch) }),
      },
    ],
  });
  const ok = result['2xx'];
  const seconds = result.duration > 0 ? result.duration : durationSec;
  return {
    requestsPerSec: ok / seconds,
    eventsPerSec: (ok * options.batch) / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Warm-up (discarded), then `rounds` measured runs; the median of each metric is reported. */
export async function measureLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSec > 0) await runOnce(options, options.warmupSec);
  const rounds: LoadRound[] = [];
  for (let i = 0; i < options.rounds; i += 1) rounds.push(await runOnce(options, options.durationSec));
  const pick = (metric: keyof LoadRound) => median(rounds.map((round) => round[metric]));
  return {
    requestsPerSec: pick('requestsPerSec'),
    eventsPerSec: pick('eventsPerSec'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    non2xx: rounds.reduce((sum, round) => sum + round.non2xx, 0),
    rounds,
  };
}
