/**
 * `pnpm bench [--quick] [--only http,mixed,storage,hot,reads,drain,memory,scaleout,startup,drain-browser,webhooks] [--out DIR] [--profile DIR] [--compare REF]
 *   [--seconds N] [--rounds N] [--shapes 1x1,1x4,1x16,10x16,100x16] [--sqlite-writers] [--auth-cache MS] [--skip-mongodb]`
 *
 * Runs the benchmarks, prints a markdown report and writes `results/<timestamp>.json` and `.md`.
 * Figures are printed, never asserted: on a shared machine only ratios within one run mean much.
 * `--compare REF` also builds that commit (git archive into a temporary folder) and measures its
 * server next to the working tree's, round by round (before/after tables from one run).
 * `--seconds` / `--rounds` / `--shapes` (events per request × connections) set the HTTP
 * benchmark's measured round length and count and what it measures; `--sqlite-writers` adds SQLite
 * with its appends committed inline (no writer thread) to the HTTP benchmark's rotation, and
 * `--auth-cache MS` SQLite with API-key lookups cached for MS ms (`AUTH_CACHE_TTL_MS`);
 * `--skip-mongodb` leaves the MongoDB-wire server out of http, hot and reads.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { browserDrain } from './benchmarks/browserDrain';
import { clientDrain } from './benchmarks/clientDrain';
import { hotStream } from './benchmarks/hotStream';
import { httpAppends } from './benchmarks/httpAppends';
import { memory } from './benchmarks/memory';
import { mixedLoad } from './benchmarks/mixedLoad';
import { reads } from './benchmarks/reads';
import { scaleOut } from './benchmarks/scaleOut';
import { startup } from './benchmarks/startup';
import { storage } from './benchmarks/storage';
import { webhooks } from './benchmarks/webhooks';
import { createContext, type BenchContext, type BenchmarkResult } from './context';
import { renderMarkdown, type RunReport } from './report';

const BENCHMARKS: Record<string, (context: BenchContext) => Promise<BenchmarkResult>> = {
  http: httpAppends,
  mixed: mixedLoad,
  storage,
  hot: hotStream,
  reads,
  drain: clientDrain,
  memory,
  scaleout: scaleOut,
  startup,
  'drain-browser': browserDrain,
  webhooks,
};

const benchDir = fileURLToPath(new URL('..', import.meta.url));

function versionOf(name: string): string {
  try {
    const require = createRequire(join(benchDir, 'package.json'));
    let dir = require.resolve(name);
    for (;;) {
      dir = resolve(dir, '..');
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? '?';
      } catch {
        // keep walking up
      }
      if (dir === '/') return '?';
    }
  } catch {
    return 'not installed';
  }
}

async function main(): Promise<void> {
  // `pnpm bench -- --quick` passes a lone `--` through; it means nothing here.
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      compare: { type: 'string' },
      seconds: { type: 'string' },
      rounds: { type: 'string' },
      shapes: { type: 'string' },
      'sqlite-writers': { type: 'boolean', default: false },
      'auth-cache': { type: 'string' },
      'skip-mongodb': { type: 'boolean', default: false },
    },
  });
  const names = values.only ? values.only.split(',').map((n) => n.trim()) : Object.keys(BENCHMARKS);
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
  // Checked before anything runs: a bad value used to fall back to the default without a word.
  const refuse = (message: string): never => {
    console.error(message);
    process.exit(2);
  };
  if (values['auth-cache'] !== undefined && !/^[1-9]\d*$/.test(values['auth-cache'])) refuse(`--auth-cache: "${values['auth-cache']}" is not a number of milliseconds above 0`);
  if (values.rounds !== undefined && !/^[1-9]\d*$/.test(values.rounds)) refuse(`--rounds: "${values.rounds}" is not a whole number above 0`);
  if (values.seconds !== undefined && !(Number(values.seconds) > 0 && Number.isFinite(Number(values.seconds)))) refuse(`--seconds: "${values.seconds}" is not a number of seconds above 0`);
  const badShape = values.shapes?.split(',').find((shape) => !/^[1-9]\d*x[1-9]\d*$/.test(shape.trim()));
  if (badShape !== undefined) refuse(`--shapes: "${badShape}" is not <events per request>x<connections>, e.g. 1x16`);
  const outDir = resolve(values.out ?? join(benchDir, 'results'));
  const profileDir = values.profile ? resolve(values.profile) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const context = createContext({
    quick: values.quick,
    profileDir,
    compare: values.compare ?? null,
    skipMongodb: values['skip-mongodb'],
    ...(values.seconds ? { seconds: Number(values.seconds) } : {}),
    ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    ...(values.shapes ? { shapes: values.shapes.split(',').map((shape) => shape.trim()) } : {}),
    sqliteWriters: values['sqlite-writers'],
    ...(values['auth-cache'] ? { authCacheTtlMs: Number(values['auth-cache']) } : {}),
  });
  const started = new Date();
  const t0 = Date.now();
  const report: RunReport = {
    startedAt: started.toISOString(),
    quick: values.quick,
    machine: {
      cpu: cpus()[0]?.model ?? '?',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      'load average at start': loadavg().map((l) => l.toFixed(2)).join(' '),
    },
    versions: {
      node: process.version,
      fastify: versionOf('fastify'),
      'better-sqlite3': versionOf('better-sqlite3'),
      mongodb: versionOf('mongodb'),
      autocannon: versionOf('autocannon'),
      '@event-driven-io/emmett-sqlite': versionOf('@event-driven-io/emmett-sqlite'),
      sqlite3: versionOf('sqlite3'),
    },
    benchmarks: [],
    totalSeconds: 0,
  };
  const baseline = values.compare ? await context.baseline() : null;
  if (baseline) report.compare = `${values.compare} = ${baseline.commit}`;
  const stamp = started.toISOString().replace(/:/g, '').replace(/\.\d+Z$/, 'Z');
  const write = () => {
    report.totalSeconds = (Date.now() - t0) / 1000;
    report.machine['load average now'] = loadavg().map((l) => l.toFixed(2)).join(' ');
    const markdown = renderMarkdown(report);
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(outDir, `${stamp}.md`), markdown);
    return markdown;
  };
  try {
    for (const name of names) {
      console.log(`\n▶ ${name}`);
      const t = Date.now();
      const result = await BENCHMARKS[name]!(context).catch(
        (error: Error): BenchmarkResult => ({ name, title: name, tables: [], ratios: [], notes: [`failed: ${error.stack ?? error.message}`], seconds: 0 }),
      );
      result.seconds = (Date.now() - t) / 1000;
      report.benchmarks.push(result);
      console.log(`  done in ${result.seconds.toFixed(1)} s`);
      write(); // after each benchmark, so that a long run stopped early keeps what it measured
    }
    const mongo = !values['skip-mongodb'] && names.some((n) => !['memory', 'drain', 'startup', 'drain-browser'].includes(n)) ? await context.mongo() : null;
    if (mongo) report.versions['MongoDB-wire server'] = 'error' in mongo ? mongo.error : mongo.description;
  } finally {
    await context.close();
  }
  const markdown = write();
  console.log(`\n${markdown}`);
  console.log(`Wrote ${join(outDir, `${stamp}.json`)} and .md`);
}

await main();
// Drivers (MongoDB, sqlite3) may hold handles a little past close; the run is over.
process.exit(0);
