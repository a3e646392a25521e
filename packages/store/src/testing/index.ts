export { testEventStore, type ConformanceOptions } from './eventStoreConformance.js';
export { startMongoTestServer, type MongoTestServer } from './mongoTestServer.js';
export { testSubscriptionStore } from './subscriptionStoreConformance.js';
