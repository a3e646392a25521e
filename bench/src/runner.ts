import { elapsedMs, percentile } from './stats';

export interface RunResult {
  ops: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  firstError?: string;
}

/**
 * Runs `operation` from `concurrency` loops until `maxOps` are done or `maxMs` has passed, and
 * reports successful operations per second and per-operation latency.
 */
export async function runConcurrent(
  options: { concurrency: number; maxOps: number; maxMs: number },
  operation: (i: number) => Promise<unknown>,
): Promise<RunResult> {
  const latencies: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const begin = process.hrtime.bigint();
  const deadline = Date.now() + options.maxMs;
  const worker = async () => {
    while (started < options.maxOps && Date.now() < deadline) {
      const i = started++;
      const t = process.hrtime.bigint();
      try {
        await operation(i);
        latencies.push(elapsedMs(t));
      } catch (error) {
        errors += 1;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const ms = elapsedMs(begin);
  return {
    ops: latencies.length,
    opsPerSec: latencies.length / (ms / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    ...(firstError ? { firstError } : {}),
  };
}
