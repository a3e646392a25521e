import { describe, inject } from 'vitest';
import { testEventStore } from '../testing/eventStoreConformance';
import { getMongoStorage } from './index';

const uri = inject('mongoUri');
// A database per run, so runs never see each other's data; tests inside use fresh organizations.
const run = `${Date.now().toString(36)}_${process.pid}`;
// FerretDB v1's SQLite handler answers every query except an insert by scanning the collection, so
// the 8-writer global-order test is quadratic there: it runs with fewer appends per writer.
const onFerretDB = inject('mongoKind') === 'ferretdb';

describe.skipIf(!uri)(`mongodb (${inject('mongoDescription')})`, () => {
  testEventStore('mongodb', () => getMongoStorage({ uri: uri!, dbName: `eventlane_test_${run}` }), {
    globalOrderAppendsPerWriter: onFerretDB ? 40 : 200,
  });

  // No cache at all: every stream version comes from its head document (or its chain), every
  // store incarnation from its store document.
  testEventStore('mongodb, no cache', () => getMongoStorage({ uri: uri!, dbName: `eventlane_test_${run}_nocache`, cacheBytes: 0 }), {
    globalOrderAppendsPerWriter: onFerretDB ? 20 : 200,
  });
});
