import { parseArgs } from 'node:util';
import { startMongoTestServer } from '@eventlane/store/testing';
import { runWinnerTrials } from './winners';
import type { Backend } from './openBackend';

/** `pnpm winners [--trials 1000] [--concurrency 16] [--backend sqlite|mongodb|all]`; exits 1 on any failed trial. */
const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    backend: { type: 'string', default: 'all' },
  },
});
const backends: Backend[] = values.backend === 'all' ? ['sqlite', 'mongodb'] : [values.backend as Backend];
let failed = 0;
for (const backend of backends) {
  const mongo = backend === 'mongodb' ? await startMongoTestServer() : null;
  try {
    if (mongo) console.log(`MongoDB-wire server: ${mongo.description}`);
    const result = await runWinnerTrials({
      backend,
      trials: Number(values.trials),
      concurrency: Number(values.concurrency),
      mongoUri: mongo?.uri,
      log: (line) => console.log(line),
    });
    failed += result.failures.length;
    console.log(
      `== ${backend}: ${result.trials} trials × ${result.concurrency} concurrent appends: ${result.exactlyOne} with exactly one winner, ` +
        `${result.failures.length} failures; ${result.requests} requests in ${(result.durationMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await mongo?.stop();
  }
}
process.exit(failed > 0 ? 1 : 0);
