/**
 * The Eventlane server as the benchmarks see it: a child process, so that it and the load
 * generator each get a core. Talks to the harness over IPC: `ready` with its URL and an API key,
 * answers `rss`, and stops on `stop`. Storage from the environment the harness sets.
 */
import { createServer, issueApiKey } from '@eventlane/server';
import type { Storage } from '@eventlane/store';
import { getSQLiteStorage } from '@eventlane/store/sqlite';
import { BENCH_ORG } from '../workload';
import { loadMongoStorage } from '../optional';

async function openStorage(): Promise<Storage> {
  if (process.env.BENCH_BACKEND === 'mongodb') {
    const getMongoStorage = await loadMongoStorage();
    if (!getMongoStorage) throw new Error('the MongoDB adapter (@eventlane/store/mongodb) is not available');
    return getMongoStorage({ uri: process.env.BENCH_MONGODB_URI!, dbName: process.env.BENCH_MONGODB_DB! });
  }
  // BENCH_SQLITE_WRITER=inline: commit on the server's own thread (to compare with the default writer thread).
  return getSQLiteStorage({ dataDir: process.env.BENCH_DATA_DIR!, ...(process.env.BENCH_SQLITE_WRITER === 'inline' ? { writer: 'inline' as const } : {}) });
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
const server = createServer({ storage, logLevel: 'silent', security: { rateLimitMax: 1_000_000_000 }, webhooks: { allowPrivateNetwork: true } });
const url = await server.start({ port: 0, host: '127.0.0.1' });

process.on('message', (message: { type: string }) => {
  if (message.type === 'rss') process.send!({ type: 'rss', rss: process.memoryUsage().rss });
  if (message.type === 'stop') void server.stop().finally(() => process.exit(0));
});
process.on('disconnect', () => void server.stop().finally(() => process.exit(0)));
process.send!({ type: 'ready', url, key });
