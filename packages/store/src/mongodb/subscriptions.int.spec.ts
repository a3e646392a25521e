import type { CommandStartedEvent } from 'mongodb';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testSubscriptionStore } from '../testing/subscriptionStoreConformance';
import { getMongoStorage } from './index';
import { checkQueryShapes } from './queryShapes';
import { SUBSCRIPTION_INDEXES } from './subscriptions';

const uri = inject('mongoUri');
const run = `${Date.now().toString(36)}_${process.pid}`;

describe.skipIf(!uri)(`mongodb (${inject('mongoDescription')})`, () => {
  // Every command of the suite is recorded, and its shape checked against the declared indexes.
  const commands: CommandStartedEvent[] = [];
  let client: MongoClient | undefined;
  afterAll(async () => {
    await client?.close();
  });
  testSubscriptionStore('mongodb', async () => {
    client = new MongoClient(uri!, { monitorCommands: true });
    client.on('commandStarted', (event) => commands.push(event));
    return getMongoStorage({ uri: uri!, client, dbName: `eventlane_test_subs_${run}` });
  });

  describe('query shapes of the subscription store', () => {
    it('sends only queries that a declared index serves, and no find without a limit', () => {
      const ours = commands.filter((c) => String(c.command[c.commandName]).startsWith('webhook_'));
      expect(ours.length).toBeGreaterThan(100);
      expect(checkQueryShapes(ours, [], SUBSCRIPTION_INDEXES)).toEqual([]);
    });
  });
});
