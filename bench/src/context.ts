import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MongoTestServer } from '@eventlane/store/testing';
import { startMongoTestServer } from '@eventlane/store/testing';
import { spawnServer, type ServerProcess } from './serverProcess';
import { prepareTree } from './tree';

export type Cell = string | number | null;

/** One table of a benchmark's figures: column names in order, then rows. */
export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
}

/** A ratio measured in this run, with the target; `met` is null when it could not be measured. */
export interface Ratio {
  name: string;
  value: number | null;
  target: string;
  met: boolean | null;
  note?: string;
}

export interface BenchmarkResult {
  name: string;
  title: string;
  tables: Table[];
  ratios: Ratio[];
  notes: string[];
  seconds: number;
}

export interface BenchContext {
  quick: boolean;
  /** A fresh temporary folder (removed at the end of the run). */
  tempDir(prefix: string): string;
  /** The MongoDB-wire server of this run, started on first use; null (with a reason) when none can be had. */
  mongo(): Promise<{ uri: string; description: string } | { error: string }>;
  /** `--cpu-prof` the servers into this folder, when asked (`--profile`). */
  profileDir: string | null;
  /** `--compare <ref>`: the commit measured next to the working tree (before/after, same run), or null. */
  compare: string | null;
  /** `--skip-mongodb`: leave the MongoDB-wire server out. */
  skipMongodb: boolean;
  /** `--seconds` / `--rounds`: the HTTP benchmark's measured round length and count, when set. */
  seconds?: number;
  rounds?: number;
  /** `--shapes 1x4,10x16`: the HTTP benchmark's shapes (events per request × connections), when set. */
  shapes?: string[];
  /** `--sqlite-writers`: the HTTP benchmark also measures SQLite with appends committed inline, in the same rotation. */
  sqliteWriters: boolean;
  /** `--auth-cache MS`: also measure SQLite with `authCacheTtlMs` MS (0: not measured). */
  authCacheTtlMs: number;
  /** The commit `--compare` names (resolved and built on first use), or null without `--compare`. */
  baseline(): Promise<{ dir: string; commit: string } | null>;
  /**
   * A server of this run, started on first use and shared by the benchmarks (each start costs
   * seconds on a busy machine); stopped by `close`. `sqlite` keeps its data in `dataDir`, `mongodb`
   * in database `dbName`, so that a benchmark can seed data from this process. `stub` is the
   * Eventlane server on a storage that answers at once (the HTTP layer alone). `tree: 'baseline'`
   * runs the `--compare` commit's build instead of the working tree's.
   */
  server(kind: SharedServerKind, tree?: TreeName): Promise<SharedServer>;
  close(): Promise<void>;
}

/**
 * `sqlite-inline`: SQLite with appends committed on the event loop (`writer: 'inline'`) instead of
 * the writer thread. `sqlite-auth-cache`: SQLite with API-key lookups cached (`--auth-cache MS`).
 */
export type SharedServerKind = 'noop' | 'stub' | 'sqlite' | 'sqlite-inline' | 'sqlite-auth-cache' | 'mongodb';
export type TreeName = 'current' | 'baseline';
export type SharedServer = ServerProcess & { dataDir?: string; mongoUri?: string; dbName?: string };

export function createContext(options: {
  quick: boolean;
  profileDir: string | null;
  compare?: string | null;
  skipMongodb?: boolean;
  seconds?: number;
  rounds?: number;
  shapes?: string[];
  sqliteWriters?: boolean;
  authCacheTtlMs?: number;
}): BenchContext {
  const dirs: string[] = [];
  let mongo: Promise<MongoTestServer> | null = null;
  let baseline: ReturnType<typeof prepareTree> | null = null;
  const servers = new Map<string, Promise<SharedServer>>();
  // One folder per server: node writes a profile per thread (tsx's loader has its own), named by pid and thread.
  const profile = (name: string) => (options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, name)}`] : []);
  const context: BenchContext = {
    quick: options.quick,
    profileDir: options.profileDir,
    compare: options.compare ?? null,
    skipMongodb: options.skipMongodb ?? false,
    ...(options.seconds ? { seconds: options.seconds } : {}),
    ...(options.rounds ? { rounds: options.rounds } : {}),
    ...(options.shapes ? { shapes: options.shapes } : {}),
    sqliteWriters: options.sqliteWriters ?? false,
    authCacheTtlMs: options.authCacheTtlMs ?? 0,
    baseline() {
      if (!context.compare) return Promise.resolve(null);
      baseline ??= prepareTree(context.compare);
      return baseline;
    },
    tempDir(prefix) {
      const dir = mkdtempSync(join(tmpdir(), `eventlane-bench-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    async mongo() {
      if (options.skipMongodb) return { error: 'left out (--skip-mongodb)' };
      mongo ??= startMongoTestServer();
      try {
        const server = await mongo;
        return { uri: server.uri, description: server.description };
      } catch (error) {
        return { error: `no MongoDB-wire server: ${(error as Error).message}` };
      }
    },
    server(kind, tree = 'current') {
      const name = `${tree}:${kind}`;
      let started = servers.get(name);
      if (!started) {
        started = (async (): Promise<SharedServer> => {
          if (kind === 'noop') return spawnServer('noop');
          const base = tree === 'baseline' ? await context.baseline() : null;
          if (tree === 'baseline' && !base) throw new Error('no --compare commit');
          const treeEnv: Record<string, string> = base ? { BENCH_TREE: base.dir } : {};
          const label = `server-${kind}${base ? '-baseline' : ''}`;
          if (kind === 'stub') return spawnServer('eventlane', { env: { ...treeEnv, BENCH_BACKEND: 'stub' }, nodeArgs: profile(label) });
          if (kind === 'sqlite' || kind === 'sqlite-inline' || kind === 'sqlite-auth-cache') {
            const dataDir = context.tempDir('sqlite');
            const writer: Record<string, string> =
              kind === 'sqlite-inline' ? { BENCH_SQLITE_WRITER: 'inline' } : kind === 'sqlite-auth-cache' ? { BENCH_AUTH_CACHE_TTL_MS: String(context.authCacheTtlMs) } : {};
            const env = { ...treeEnv, BENCH_BACKEND: 'sqlite', BENCH_DATA_DIR: dataDir, ...writer };
            return { ...(await spawnServer('eventlane', { env, nodeArgs: profile(label) })), dataDir };
          }
          const server = await context.mongo();
          if ('error' in server) throw new Error(server.error);
          const dbName = `bench_${Date.now()}${base ? '_base' : ''}`;
          const env = { ...treeEnv, BENCH_BACKEND: 'mongodb', BENCH_MONGODB_URI: server.uri, BENCH_MONGODB_DB: dbName };
          return { ...(await spawnServer('eventlane', { env, nodeArgs: profile(label) })), mongoUri: server.uri, dbName };
        })();
        servers.set(name, started);
      }
      return started;
    },
    async close() {
      for (const server of servers.values()) await server.then((s) => s.stop()).catch(() => undefined);
      if (mongo) await mongo.then((server) => server.stop()).catch(() => undefined);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
  return context;
}

/** A ratio against a "≥ x" target. */
export function atLeast(name: string, value: number | null, target: number, note?: string): Ratio {
  return { name, value, target: `≥ ${target}`, met: value === null || !Number.isFinite(value) ? null : value >= target, ...(note ? { note } : {}) };
}

/** A ratio against a "≤ x" target. */
export function atMost(name: string, value: number | null, target: number, note?: string): Ratio {
  return { name, value, target: `≤ ${target}`, met: value === null || !Number.isFinite(value) ? null : value <= target, ...(note ? { note } : {}) };
}

/** A round-based benchmark's timing: warm-up, round length and count, from `--quick`, `--seconds` and `--rounds`. */
export function roundTiming(context: BenchContext): { warmupSec: number; durationSec: number; rounds: number } {
  const timing = context.quick ? { warmupSec: 0.5, durationSec: 0.75, rounds: 3 } : { warmupSec: 2, durationSec: 5, rounds: 3 };
  if (context.seconds) timing.durationSec = context.seconds;
  if (context.rounds) timing.rounds = context.rounds;
  return timing;
}
