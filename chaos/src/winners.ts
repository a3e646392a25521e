import { createServer, issueApiKey } from '@eventlane/server';
import { freshBackend, type Backend } from './openBackend';

export interface WinnerTrialsResult {
  backend: Backend;
  trials: number;
  concurrency: number;
  /** Trials where exactly one append answered 200 and all others 409 at the winner's version. */
  exactlyOne: number;
  /** Trials that broke the rule, with what they saw. */
  failures: Array<{ trial: number; statuses: number[]; finalVersion: number }>;
  requests: number;
  durationMs: number;
}

/**
 * Invariant 4 over HTTP: in each trial a stream is brought to version v (0–3), then `concurrency`
 * appends race with expectedStreamVersion v. Exactly one must answer 200; the rest 409 with
 * currentVersion v+1; the stream must end at v+1.
 */
export async function runWinnerTrials(options: {
  backend: Backend;
  trials: number;
  concurrency?: number;
  mongoUri?: string | null;
  log?: (line: string) => void;
}): Promise<WinnerTrialsResult> {
  const concurrency = options.concurrency ?? 16;
  const started = Date.now();
  const place = freshBackend(options.backend, options.mongoUri);
  const storage = await place.open();
  const app = createServer({ storage, logLevel: 'silent', security: { rateLimitMax: 0 } });
  const url = await app.start({ port: 0 });
  const failures: WinnerTrialsResult['failures'] = [];
  let requests = 0;
  try {
    await storage.createOrganization('trials');
    const { key } = await issueApiKey(storage, { organizationId: 'trials', scopes: ['append', 'read'] });
    const post = async (streamId: string, body: unknown) => {
      requests++;
      const response = await fetch(`${url}/api/event-stores/trials/streams/${streamId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    for (let trial = 0; trial < options.trials; trial++) {
      const streamId = `trial-${trial}`;
      const v = trial % 4;
      if (v > 0) {
        const seeded = await post(streamId, { events: Array.from({ length: v }, (_, i) => ({ type: 'seed', data: { i } })) });
        if (seeded.status !== 200) throw new Error(`seeding ${streamId} answered ${seeded.status}`);
      }
      const answers = await Promise.all(
        Array.from({ length: concurrency }, (_, i) =>
          post(streamId, { events: [{ type: 'race', data: { i } }], options: { expectedStreamVersion: v } }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      const winners = answers.filter((a) => a.status === 200);
      const losersOk = answers.every((a) => a.status === 200 || (a.status === 409 && a.body.currentVersion === v + 1));
      const finalVersion = (await storage.readStream({ org: 'trials', store: 'trials' }, streamId, { limit: 1 })).currentStreamVersion;
      if (winners.length !== 1 || !losersOk || finalVersion !== v + 1) {
        failures.push({ trial, statuses, finalVersion });
        options.log?.(`trial ${trial}: ${winners.length} winners, statuses ${statuses.join(',')}, final version ${finalVersion} (expected ${v + 1})`);
      }
      if ((trial + 1) % 100 === 0) options.log?.(`${options.backend}: ${trial + 1}/${options.trials} trials, ${failures.length} failures`);
    }
  } finally {
    await app.stop();
    await place.destroy();
  }
  return {
    backend: options.backend,
    trials: options.trials,
    concurrency,
    exactlyOne: options.trials - failures.length,
    failures,
    requests,
    durationMs: Date.now() - started,
  };
}
