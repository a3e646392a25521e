export { getMongoStorage, type MongoStorageOptions } from './getMongoStorage.js';
