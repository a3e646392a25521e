import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchContext, BenchmarkResult, Cell } from '../context';
import { atMost } from '../context';
import { percentile } from '../stats';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const serverRoot = `${root}apps/server`;

/** Milliseconds from spawning the process to its "Eventlane is listening" line; then SIGTERM. */
function timeToListen(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: serverRoot, env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no start within 60 s:\n${output}`));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('Eventlane is listening')) return;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      clearTimeout(timer);
      child.once('close', () => resolve(ms));
      child.kill('SIGTERM');
    });
    child.once('error', reject);
  });
}

/**
 * Start-up of the server as `npm start` runs it (plain node on apps/server/dist, built first with
 * tsc -b) and, for comparison, from source through tsx: spawn to "listening", on an empty
 * SQLite folder (first start: schema and admin key) and again on the same folder.
 */
export async function startup(context: BenchContext): Promise<BenchmarkResult> {
  await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.resolve('typescript/bin/tsc')), '-b', `${serverRoot}/tsconfig.json`], { cwd: root });
  const runs = context.quick ? 2 : 7;
  const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
  const ways: Array<[string, string[]]> = [
    ['node dist/index.js (npm start)', ['dist/index.js']],
    ['tsx src/index.ts (dev)', [tsx, '--conditions=@eventlane/source', 'src/index.ts']],
  ];
  const rows: Cell[][] = [];
  const worst = new Map<string, number>();
  for (const [name, args] of ways) {
    for (const when of ['empty data folder', 'existing data folder']) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const dataDir = when === 'empty data folder' || i === 0 ? context.tempDir('startup') : undefined;
        const dir = dataDir ?? context.tempDir('startup');
        if (when === 'existing data folder') await timeToListen(args, { DATA_DIR: dir }); // creates it
        times.push(await timeToListen(args, { DATA_DIR: dir }));
      }
      rows.push([name, when, runs, percentile(times, 50).toFixed(0), Math.max(...times).toFixed(0)]);
      worst.set(name, Math.max(worst.get(name) ?? 0, ...times));
    }
  }
  const dist = worst.get(ways[0]![0])! / 1000;
  return {
    name: 'startup',
    title: 'Server start-up: spawn to "listening" (SQLite)',
    tables: [{ title: 'Start-up', columns: ['how', 'data', 'runs', 'median ms', 'max ms'], rows }],
    ratios: [atMost('start-up from dist, slowest run (s)', dist, 1.5)],
    notes: ['Built first with `tsc -b apps/server` (incremental). The server opens SQLite and starts its writer thread before it listens.'],
    seconds: 0,
  };
}
