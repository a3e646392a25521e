import { performance } from 'node:perf_hooks';

/** What a server process reports when the harness asks for `cpu`: cumulative since it started. */
export interface CpuSample {
  /** CPU time of the whole process, every thread (user + system), in µs. */
  cpuUs: number;
  /** Time the main thread's event loop was busy, in ms. */
  loopActiveMs: number;
}

/**
 * The harness's side of a benchmark server process: sends `ready` with the URL and key, answers
 * `rss` and `cpu`, and stops on `stop` or when the harness goes away.
 */
export function serveHarness(ready: { url: string; key: string }, stop: () => Promise<unknown>): void {
  const exit = () => void stop().finally(() => process.exit(0));
  process.on('message', (message: { type: string }) => {
    if (message.type === 'rss') process.send!({ type: 'rss', rss: process.memoryUsage().rss });
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      const sample: CpuSample = { cpuUs: user + system, loopActiveMs: performance.eventLoopUtilization().active };
      process.send!({ type: 'cpu', ...sample });
    }
    if (message.type === 'stop') exit();
  });
  process.on('disconnect', exit);
  process.send!({ type: 'ready', ...ready });
}

/** A server's CPU over a round, per answered request, µs: the process (every thread) and its event loop's busy time. */
export function cpuPerRequest(before: CpuSample, after: CpuSample, answered: number): { cpuUsPerRequest: number; loopUsPerRequest: number } {
  const n = Math.max(1, answered);
  return { cpuUsPerRequest: (after.cpuUs - before.cpuUs) / n, loopUsPerRequest: ((after.loopActiveMs - before.loopActiveMs) * 1000) / n };
}
