/**
 * A separate OS process writing into a shared data folder, for the multi-process test in
 * sqliteEventStore.int.spec.ts. Run: node --import tsx multiProcessWriter.fixture.ts <dataDir> <writer> <appends> [startAtEpochMs]
 * Prints one JSON line: { written, conflicts }.
 */
import { isStoreError } from '../errors.js';
import { getSQLiteStorage } from './sqliteStorage.js';

const [dataDir, writer, appends, startAt] = process.argv.slice(2);
const scope = { org: 'acme', store: 'shared' };
const storage = await getSQLiteStorage({ dataDir: dataDir!, busyTimeoutMs: 20_000 });
// Process start-up takes a variable few hundred ms; a common start time makes the writers overlap.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt ?? 0) - Date.now())));
let written = 0;
let conflicts = 0;
for (let i = 0; i < Number(appends); i++) {
  // A batch of 1–3 events on one of three streams, no expectation.
  const size = 1 + (i % 3);
  await storage.append(
    scope,
    `any-${i % 3}`,
    Array.from({ length: size }, () => ({ type: 'tick', data: { writer, i } })),
  );
  written += size;
  // Read the version, then append expecting it: only the atomic check keeps racing processes apart.
  for (;;) {
    const { currentStreamVersion } = await storage.readStream(scope, 'hot-1', { limit: 1 });
    try {
      await storage.append(scope, 'hot-1', [{ type: 'claim', data: { writer, i } }], { expectedStreamVersion: currentStreamVersion });
      written += 1;
      break;
    } catch (error) {
      if (!isStoreError(error, 'VERSION_CONFLICT')) throw error;
      conflicts += 1;
    }
  }
}
await storage.close();
console.log(JSON.stringify({ written, conflicts }));
