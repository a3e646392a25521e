import type { TestProject } from 'vitest/node';
import { startMongoTestServer, type MongoTestServer, type MongoTestServerKind } from './mongoTestServer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The MongoDB-wire server of this run; null when none could be had outside CI (specs then skip). */
    mongoUri: string | null;
    mongoDescription: string;
    /** Which server runs, e.g. to size load tests (FerretDB v1 scans a collection for every query). */
    mongoKind: MongoTestServerKind | null;
  }
}

/**
 * Vitest globalSetup shared by every package that tests against MongoDB: starts one server for
 * the run and provides its URI. Use in a spec:
 *
 * @example
 * describe.skipIf(!inject('mongoUri'))('mongodb', () => { ... inject('mongoUri')! ... });
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: MongoTestServer;
  try {
    server = await startMongoTestServer();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') {
      throw new Error(`MongoDB-wire test server unavailable under CI=true, failing the run: ${reason}`, { cause: error });
    }
    const banner = '!'.repeat(78);
    console.warn(`\n${banner}\n!! MongoDB-wire test server unavailable: the MongoDB specs will be SKIPPED.\n!! ${reason}\n${banner}\n`);
    project.provide('mongoUri', null);
    project.provide('mongoDescription', `unavailable: ${reason}`);
    project.provide('mongoKind', null);
    return async () => {};
  }
  console.log(`MongoDB-wire test server: ${server.description}`);
  project.provide('mongoUri', server.uri);
  project.provide('mongoDescription', server.description);
  project.provide('mongoKind', server.kind);
  return async () => {
    await server.stop();
  };
}
