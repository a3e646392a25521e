import type { BenchContext, BenchmarkResult, Cell } from '../context';
import { HTTP_TARGETS } from './httpAppends';
import { elapsedMs, percentile, round } from '../stats';
import { appendPath, makeEvent, uniqueStreamId } from '../workload';

/** One stream, sequential single-event appends over HTTP, each with the exact expected version. */
export async function hotStream(context: BenchContext): Promise<BenchmarkResult> {
  const notes: string[] = [];
  const count = context.quick ? 300 : 3000;
  const maxMs = context.quick ? 3000 : 20_000;
  const rows: Cell[][] = [];
  for (const target of HTTP_TARGETS.filter((t) => t.kind !== 'noop')) {
    const server = await context.server(target.kind).catch((error: Error) => {
      notes.push(`${target.label}: not measured (${error.message})`);
      return null;
    });
    if (!server) continue;
    {
      const streamId = uniqueStreamId('hot');
      // A store of its own: the HTTP benchmark leaves tens of thousands of streams in `bench`.
      const url = server.url + appendPath(streamId, 'bench-hot');
      const latencies: number[] = [];
      const deadline = Date.now() + maxMs;
      let failures = 0;
      for (let version = 0; version < count && Date.now() < deadline; version += 1) {
        const start = process.hrtime.bigint();
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': server.key },
          body: JSON.stringify({ events: [makeEvent(version)], options: { expectedStreamVersion: version } }),
        });
        await response.arrayBuffer();
        if (response.status !== 200) failures += 1;
        // The first appends warm up the server (JIT, prepared statements); they are not counted.
        if (version >= 20) latencies.push(elapsedMs(start));
      }
      const p50 = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      if (latencies.length === 0) notes.push(`${target.label}: no append finished after the warm-up within ${maxMs / 1000} s`);
      const cell = (value: number) => (Number.isFinite(value) ? round(value) : null);
      rows.push([target.label, latencies.length, cell(p50), cell(p99), cell(p99 / p50), failures]);
    }
  }
  return {
    name: 'hot',
    title: 'Hot stream (one stream, sequential HTTP appends with exact expected versions)',
    tables: [{ title: 'Hot stream', columns: ['server', 'appends', 'p50 ms', 'p99 ms', 'p99/p50', 'non-200'], rows }],
    ratios: [],
    notes,
    seconds: 0,
  };
}
