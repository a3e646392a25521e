import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MongoTestServer } from '@eventlane/store/testing';
import { startMongoTestServer } from '@eventlane/store/testing';
import { spawnServer, type ServerProcess } from './serverProcess';

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
  /**
   * A server of this run, started on first use and shared by the benchmarks (each start costs
   * seconds on a busy machine); stopped by `close`. `sqlite` keeps its data in `dataDir`, `mongodb`
   * in database `dbName`, so that a benchmark can seed data from this process.
   */
  server(kind: SharedServerKind): Promise<SharedServer>;
  close(): Promise<void>;
}

export type SharedServerKind = 'noop' | 'sqlite' | 'mongodb';
export type SharedServer = ServerProcess & { dataDir?: string; mongoUri?: string; dbName?: string };

export function createContext(options: { quick: boolean; profileDir: string | null }): BenchContext {
  const dirs: string[] = [];
  let mongo: Promise<MongoTestServer> | null = null;
  const servers = new Map<SharedServerKind, Promise<SharedServer>>();
  // One folder per server: node writes a profile per thread (tsx's loader has its own), named by pid and thread.
  const profile = (name: string) => (options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, name)}`] : []);
  const context: BenchContext = {
    quick: options.quick,
    profileDir: options.profileDir,
    tempDir(prefix) {
      const dir = mkdtempSync(join(tmpdir(), `eventlane-bench-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    async mongo() {
      mongo ??= startMongoTestServer();
      try {
        const server = await mongo;
        return { uri: server.uri, description: server.description };
      } catch (error) {
        return { error: `no MongoDB-wire server: ${(error as Error).message}` };
      }
    },
    server(kind) {
      let started = servers.get(kind);
      if (!started) {
        started = (async (): Promise<SharedServer> => {
          if (kind === 'noop') return spawnServer('noop');
          if (kind === 'sqlite') {
            const dataDir = context.tempDir('sqlite');
            return { ...(await spawnServer('eventlane', { env: { BENCH_BACKEND: 'sqlite', BENCH_DATA_DIR: dataDir }, nodeArgs: profile('server-sqlite') })), dataDir };
          }
          const server = await context.mongo();
          if ('error' in server) throw new Error(server.error);
          const dbName = `bench_${Date.now()}`;
          const env = { BENCH_BACKEND: 'mongodb', BENCH_MONGODB_URI: server.uri, BENCH_MONGODB_DB: dbName };
          return { ...(await spawnServer('eventlane', { env, nodeArgs: profile('server-mongodb') })), mongoUri: server.uri, dbName };
        })();
        servers.set(kind, started);
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
