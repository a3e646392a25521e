import { bootstrapStorage } from './bootstrap.js';
import { loadConfig } from './config.js';
import { openStorage } from './openStorage.js';
import { createServer } from './server.js';

/** The process entry: the only file that reads the environment or exits. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const storage = await openStorage(config, { forServer: true });
  const first = await bootstrapStorage(storage);
  const app = createServer({
    storage,
    limits: config.limits,
    logLevel: config.logLevel,
    security: config.security,
    webhooks: config.webhooks,
    authCacheTtlMs: config.authCacheTtlMs,
  });
  const url = await app.start({ port: config.port, host: config.host });

  const where = storage.backend === 'sqlite' ? `SQLite in ${config.dataDir}` : `MongoDB database "${config.mongodbDb}"`;
  console.log(`Eventlane is listening on ${url} (storage: ${where})`);
  if (first) {
    console.log(
      `First start: created organization "${first.organizationId}" and this one-time admin API key ` +
        '(scopes append, read, admin). It is shown only now; only its hash is stored:',
    );
    console.log(first.key);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.server.log.info({ signal }, 'stopping: finishing in-flight requests');
    try {
      await app.stop();
      process.exit(0);
    } catch (error) {
      app.server.log.error({ err: error }, 'failed to stop cleanly');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(`Eventlane failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
