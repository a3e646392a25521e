/**
 * The Eventlane server as the benchmarks see it: a child process, so that it and the load
 * generator each get a core. It runs the **compiled** server (`apps/server/dist`, what `npm start`
 * runs) of the tree in `BENCH_TREE` (this repository by default; `--compare` passes an older
 * commit's build). Talks to the harness over IPC: `ready` with its URL and an API key, answers
 * `rss` and `cpu`, and stops on `stop`. Storage from the environment the harness sets:
 * `BENCH_BACKEND` = `sqlite` | `mongodb` | `stub` (answers at once: the HTTP layer alone).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ServerModule from '@eventlane/server';
import type * as SQLiteModule from '@eventlane/store/sqlite';
import type { Storage } from '@eventlane/store';
import { BENCH_ORG } from '../workload';
import { defaultTree } from '../tree';
import { serveHarness } from './ipc';
import { getStubStorage } from './stubStorage';

const tree = process.env.BENCH_TREE ?? defaultTree;
const load = <T>(path: string) => import(pathToFileURL(join(tree, path)).href) as Promise<T>;
const { createServer, issueApiKey } = await load<typeof ServerModule>('apps/server/dist/exports.js');

async function openStorage(): Promise<Storage> {
  switch (process.env.BENCH_BACKEND) {
    case 'stub':
      return getStubStorage();
    case 'mongodb': {
      const { getMongoStorage } = await load<{ getMongoStorage: (options: { uri: string; dbName: string }) => Promise<Storage> }>('packages/store/dist/mongodb/index.js');
      return getMongoStorage({ uri: process.env.BENCH_MONGODB_URI!, dbName: process.env.BENCH_MONGODB_DB! });
    }
    default: {
      const { getSQLiteStorage } = await load<typeof SQLiteModule>('packages/store/dist/sqlite/index.js');
      // BENCH_SQLITE_WRITER=inline|thread: where appends commit (default: the adapter's default).
      const writer = process.env.BENCH_SQLITE_WRITER;
      return getSQLiteStorage({ dataDir: process.env.BENCH_DATA_DIR!, ...(writer === 'inline' || writer === 'thread' ? { writer } : {}) });
    }
  }
}

const storage = await openStorage();
try {
  await storage.createOrganization(BENCH_ORG);
} catch {
  // already there from an earlier run on the same data
}
const { key } = await issueApiKey(storage, { organizationId: BENCH_ORG, scopes: ['append', 'read', 'admin'] });
// The per-key rate limiter stays on (its cost is part of a request) but never triggers: every
// benchmark request uses one key, far above the default 6000 per minute.
// Webhooks go to the benchmark's receiver on 127.0.0.1.
// BENCH_AUTH_CACHE_TTL_MS: API-key lookups cached that long (`--auth-cache`); off otherwise, as by default.
const authCacheTtlMs = Number(process.env.BENCH_AUTH_CACHE_TTL_MS ?? 0);
const server = createServer({ storage, logLevel: 'silent', security: { rateLimitMax: 1_000_000_000 }, webhooks: { allowPrivateNetwork: true }, authCacheTtlMs });
const url = await server.start({ port: 0, host: '127.0.0.1' });

serveHarness({ url, key }, () => server.stop());
