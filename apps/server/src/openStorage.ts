import type { Storage } from '@eventlane/store';
import type { Config } from './config.js';

/** MongoDB when `MONGODB_URI` is set, else the embedded SQLite file in `DATA_DIR`. Drivers load only when used. */
export async function openStorage(
  config: Pick<Config, 'dataDir' | 'mongodbUri' | 'mongodbDb'> & Partial<Pick<Config, 'mongodbCacheBytes' | 'mongodbLeaseMs' | 'sqliteWriter'>>,
  { forServer = false }: { forServer?: boolean } = {},
): Promise<Storage> {
  if (config.mongodbUri) {
    const { getMongoStorage } = await import('@eventlane/store/mongodb');
    return getMongoStorage({ uri: config.mongodbUri, dbName: config.mongodbDb, cacheBytes: config.mongodbCacheBytes, leaseMs: config.mongodbLeaseMs });
  }
  const { getSQLiteStorage } = await import('@eventlane/store/sqlite');
  // A server starts the writer thread now, so that its first append does not wait for it to load;
  // the CLI, which rarely appends, leaves it to the first append.
  return getSQLiteStorage({ dataDir: config.dataDir, startWriterEarly: forServer, ...(config.sqliteWriter ? { writer: config.sqliteWriter } : {}) });
}
