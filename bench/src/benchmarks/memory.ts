import type { BenchContext, BenchmarkResult, Cell } from '../context';
import { measureLoad } from '../load';
import { spawnServer } from '../serverProcess';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SQLite server's RSS at rest, at its peak under load (c=16 single-event appends), and a few
 * seconds after; three consecutive runs on one process, so growth from run to run shows.
 */
export async function memory(context: BenchContext): Promise<BenchmarkResult> {
  const loadSec = context.quick ? 1 : 10;
  const settleMs = context.quick ? 500 : 3000;
  const server = await spawnServer('eventlane', { env: { BENCH_BACKEND: 'sqlite', BENCH_DATA_DIR: context.tempDir('memory') } });
  const rows: Cell[][] = [];
  const notes: string[] = [];
  try {
    await sleep(settleMs);
    for (let run = 1; run <= 3; run += 1) {
      const atRest = await server.rss();
      let peak = atRest;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await server.rss());
          await sleep(200);
        }
      })();
      const load = await measureLoad({ url: server.url, apiKey: server.key, batch: 1, connections: 16, durationSec: loadSec, warmupSec: 0, rounds: 1 });
      sampling = false;
      await sampler;
      await sleep(settleMs);
      const after = await server.rss();
      rows.push([run, (atRest / MB).toFixed(1), (peak / MB).toFixed(1), (after / MB).toFixed(1), Math.round(load.requestsPerSec * loadSec)]);
    }
  } finally {
    await server.stop();
  }
  const afters = rows.map((row) => Number(row[3]));
  notes.push(`RSS after run 3 − after run 1: ${(afters[2]! - afters[0]!).toFixed(1)} MB (V8 grows its heap lazily; steady growth across runs would be a leak).`);
  return {
    name: 'memory',
    title: 'Server memory (SQLite server, RSS; three consecutive load runs on one process)',
    tables: [{ title: 'Memory', columns: ['run', 'RSS at rest MB', 'RSS peak under load MB', 'RSS after MB', 'appends in run'], rows }],
    ratios: [],
    notes,
    seconds: 0,
  };
}
