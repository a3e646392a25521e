export { testEventStore, type ConformanceOptions } from './eventStoreConformance.js';
export { startMongoTestServer, type MongoTestServer } from './mongoTestServer.js';
