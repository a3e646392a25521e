export { testEventStore, type ConformanceOptions } from './eventStoreConformance';
export { startMongoTestServer, type MongoTestServer } from './mongoTestServer';
export { testSubscriptionStore } from './subscriptionStoreConformance';
