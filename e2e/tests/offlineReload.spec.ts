import { test } from '../support/fixtures';
import { offlineReloadScenario } from '../support/offlineScenario';

test('offline (SQLite): three appends on two streams survive a reload and a new page, then sync once, in order', async ({ server }, testInfo) => {
  await offlineReloadScenario(server, 'offline-sqlite', testInfo);
});
