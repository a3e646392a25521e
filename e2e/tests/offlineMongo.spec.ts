import { startMongoTestServer } from '@eventlane/store/testing';
import { test } from '../support/fixtures';
import { offlineReloadScenario } from '../support/offlineScenario';
import { startServer } from '../support/serverProcess';

// eslint-disable-next-line no-empty-pattern -- no fixture: this test runs its own server on MongoDB
test('offline (MongoDB wire): three appends on two streams survive a reload and a new page, then sync once, in order', async ({}, testInfo) => {
  test.setTimeout(180_000);
  // MONGODB_URI, a mongod on PATH, or FerretDB (built by scripts/setup.sh --test).
  const mongo = await startMongoTestServer();
  testInfo.annotations.push({ type: 'mongodb', description: mongo.description });
  try {
    const server = await startServer({ MONGODB_URI: mongo.uri, MONGODB_DB: `e2e_${Date.now()}` });
    try {
      await offlineReloadScenario(server, 'offline-mongo', testInfo);
    } finally {
      await server.dispose();
    }
  } finally {
    await mongo.stop();
  }
});
