import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { testSubscriptionStore } from '../testing/subscriptionStoreConformance';
import { getSQLiteStorage, DEFAULT_SQLITE_FILE_NAME } from './index';
import { SCHEMA_VERSION } from './schema';

const dirs: string[] = [];
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'eventlane-sqlite-subscriptions-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

testSubscriptionStore('sqlite', () => getSQLiteStorage({ dataDir: freshDataDir() }));

describe('SQLite schema version 2 (issue 12)', () => {
  it('opens a version-1 data file, keeps its events and adds the subscription tables', async () => {
    // Given a file as the previous Eventlane left it: schema 1, with events
    const dataDir = freshDataDir();
    const scope = { org: 'acme', store: 'orders' };
    const before = await getSQLiteStorage({ dataDir, writer: 'inline' });
    await before.append(scope, 'order-1', [{ type: 'order.placed', data: { total: 3 } }]);
    await before.close();
    const raw = new Database(join(dataDir, DEFAULT_SQLITE_FILE_NAME));
    raw.exec('DROP TABLE subscription_deliveries; DROP TABLE subscriptions;');
    raw.pragma('user_version = 1');
    raw.close();

    // When this Eventlane opens it
    const after = await getSQLiteStorage({ dataDir, writer: 'inline' });
    try {
      // Then the events are there and subscriptions work
      expect((await after.readStore(scope, { limit: 10 })).events.map((e) => e.type)).toEqual(['order.placed']);
      const key = { ...scope, subscriptionId: 'sub_1' };
      await after.createSubscription(
        key,
        { url: 'https://example.com/hook', eventTypes: null, streamType: null, streamIdPattern: null, batchSize: 10, description: null },
        { position: 0, sealedSecret: 'sealed' },
      );
      expect(await after.getSubscription(key)).toMatchObject({ position: 0 });
    } finally {
      await after.close();
    }
    const check = new Database(join(dataDir, DEFAULT_SQLITE_FILE_NAME), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });
});
