import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { testEventStore } from '../testing/eventStoreConformance';
import { getMongoStorage } from './index';
import { checkQueryShapes } from './queryShapes';

const uri = inject('mongoUri');
// A database per run, so runs never see each other's data; tests inside use fresh organizations.
const run = `${Date.now().toString(36)}_${process.pid}`;
// FerretDB v1's SQLite handler answers every query except an insert by scanning the collection, so
// the 8-writer global-order test is quadratic there: it runs with fewer appends per writer.
const onFerretDB = inject('mongoKind') === 'ferretdb';

describe.skipIf(!uri)(`mongodb (${inject('mongoDescription')})`, () => {
  // Every command of the first run is recorded, and its shape checked against the declared indexes below.
  const commands: CommandStartedEvent[] = [];
  let client: MongoClient | undefined;
  afterAll(async () => {
    await client?.close();
  });
  testEventStore(
    'mongodb',
    async () => {
      client = new MongoClient(uri!, { monitorCommands: true });
      client.on('commandStarted', (event) => commands.push(event));
      return getMongoStorage({ uri: uri!, client, dbName: `eventlane_test_${run}` });
    },
    { globalOrderAppendsPerWriter: onFerretDB ? 40 : 200 },
  );

  describe('query shapes', () => {
    it('sends only queries that a declared index serves, and no find without a limit', () => {
      expect(commands.length).toBeGreaterThan(500);
      // createIndexes, listIndexes and the start-up probe's own collection are not queries of the data.
      expect(checkQueryShapes(commands, ['probe_multikey_unique'])).toEqual([]);
    });
  });

  // No cache at all: every stream version comes from its head document (or its chain), every
  // store incarnation from its store document.
  testEventStore('mongodb, no cache', () => getMongoStorage({ uri: uri!, dbName: `eventlane_test_${run}_nocache`, cacheBytes: 0 }), {
    globalOrderAppendsPerWriter: onFerretDB ? 20 : 200,
  });
});
