import { describe, inject } from 'vitest';
import { testSubscriptionStore } from '../testing/subscriptionStoreConformance';
import { getMongoStorage } from './index';

const uri = inject('mongoUri');
const run = `${Date.now().toString(36)}_${process.pid}`;

describe.skipIf(!uri)(`mongodb (${inject('mongoDescription')})`, () => {
  testSubscriptionStore('mongodb', () => getMongoStorage({ uri: uri!, dbName: `eventlane_test_subs_${run}` }));
});
