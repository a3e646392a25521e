import type { Storage } from '@eventlane/store';

export type GetMongoStorage = (options: { uri: string; dbName: string }) => Promise<Storage>;

/**
 * The MongoDB adapter, when it exists: it is loaded by a computed specifier so that the harness
 * type-checks and runs (reporting "not available") before the adapter has landed.
 */
export async function loadMongoStorage(): Promise<GetMongoStorage | null> {
  const specifier = ['@eventlane/store', 'mongodb'].join('/');
  try {
    const module = (await import(specifier)) as { getMongoStorage?: GetMongoStorage };
    return module.getMongoStorage ?? null;
  } catch {
    return null;
  }
}
