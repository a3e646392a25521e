import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '@eventlane/store';

export type Backend = 'sqlite' | 'mongodb';

export interface OpenedBackend {
  open(): Promise<Storage>;
  /** Removes the data folder (SQLite) or drops the database (MongoDB). */
  destroy(): Promise<void>;
}

/** A fresh, empty place on a backend that can be opened again (to model restarts). */
export function freshBackend(backend: Backend, mongoUri?: string | null): OpenedBackend {
  if (backend === 'sqlite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-chaos-sqlite-'));
    return {
      async open() {
        const { getSQLiteStorage } = await import('@eventlane/store/sqlite');
        return getSQLiteStorage({ dataDir });
      },
      async destroy() {
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (!mongoUri) throw new Error('MongoDB backend without a URI');
  const dbName = `eventlane_chaos_${randomUUID().slice(0, 8)}`;
  return {
    async open() {
      const { getMongoStorage } = await import('@eventlane/store/mongodb');
      return getMongoStorage({ uri: mongoUri, dbName });
    },
    async destroy() {
      const { MongoClient } = await import('mongodb');
      const client = await MongoClient.connect(mongoUri);
      await client.db(dbName).dropDatabase().catch(() => {});
      await client.close();
    },
  };
}

/** Opens the storage a storm's servers write to, to check it afterwards (SQLite in `dataDir`, MongoDB database `dbName`). */
export async function openStorage(backend: Backend, where: { dataDir: string; uri: string; dbName: string; writer?: 'thread' | 'inline' }): Promise<Storage> {
  if (backend === 'sqlite') {
    const { getSQLiteStorage } = await import('@eventlane/store/sqlite');
    return getSQLiteStorage({ dataDir: where.dataDir, ...(where.writer ? { writer: where.writer } : {}) });
  }
  const { getMongoStorage } = await import('@eventlane/store/mongodb');
  return getMongoStorage({ uri: where.uri, dbName: where.dbName });
}
