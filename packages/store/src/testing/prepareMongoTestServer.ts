/**
 * `tsx packages/store/src/testing/prepareMongoTestServer.ts`: makes sure the tests will have a
 * MongoDB-wire server, building FerretDB into the cache now (rather than inside a test hook) when
 * there is no MONGODB_URI and no mongod. scripts/setup.sh --test runs it.
 */
import { ensureFerretDB, findMongoTestServerKind } from './mongoTestServer.js';

const choice = await findMongoTestServerKind();
if (choice && choice.kind !== 'ferretdb') {
  console.log(`setup: MongoDB-wire test server: ${choice.description}`);
} else {
  const binary = await ensureFerretDB();
  console.log(`setup: MongoDB-wire test server: FerretDB at ${binary}`);
}
