import type { Storage } from '@eventlane/store';
import type { Config } from './config';

/** MongoDB when `MONGODB_URI` is set, else the embedded SQLite file in `DATA_DIR`. Drivers load only when used. */
export async function openStorage(config: Pick<Config, 'dataDir' | 'mongodbUri' | 'mongodbDb'>): Promise<Storage> {
  if (config.mongodbUri) {
    const { getMongoStorage } = await import('@eventlane/store/mongodb');
    return getMongoStorage({ uri: config.mongodbUri, dbName: config.mongodbDb });
  }
  const { getSQLiteStorage } = await import('@eventlane/store/sqlite');
  return getSQLiteStorage({ dataDir: config.dataDir });
}
