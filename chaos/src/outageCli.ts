import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createServer, issueApiKey } from '@eventlane/server';
import { getMongoStorage } from '@eventlane/store/mongodb';
import { ferretdbBinary, freePort, killHard, startFerretDB } from './processes';

/**
 * `pnpm outage [--outages 5]`: the MongoDB-wire server is SIGKILLed while 8 writers append, then
 * restarted. Measures how long until appends answer 503 (with Retry-After), whether /readyz
 * fails, how long until appends succeed again without restarting Eventlane, what /metrics
 * counted, and that every acknowledged append is still stored.
 */
const { values } = parseArgs({ options: { outages: { type: 'string', default: '5' }, 'down-ms': { type: 'string', default: '3000' } } });
const outages = Number(values.outages);
const downMs = Number(values['down-ms']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const binary = ferretdbBinary();
if (!binary) throw new Error('no FerretDB binary in the cache folder (npm test builds it)');
const dir = mkdtempSync(join(tmpdir(), 'eventlane-outage-'));
const port = await freePort();
let database = await startFerretDB(binary, port, dir);
const storage = await getMongoStorage({ uri: `mongodb://127.0.0.1:${port}/`, dbName: 'outage' });
const app = createServer({ storage, logLevel: 'silent', security: { rateLimitMax: 0 } });
const url = await app.start({ port: 0 });
await storage.createOrganization('outage');
const { key } = await issueApiKey(storage, { organizationId: 'outage', scopes: ['append', 'read'] });

const acknowledged: Array<{ stream: string; eventId: string }> = [];
const statuses = new Map<number, number>();
let first503At = 0;
let first503RetryAfter: string | null = null;
let stopWriters = false;
let killedAt = 0;
let restartedAt = 0;
let firstOkAfterRestart = 0;

const writer = async (w: number) => {
  while (!stopWriters) {
    const stream = `w${w}-${Math.floor(Math.random() * 4)}`;
    const eventId = randomUUID();
    try {
      const response = await fetch(`${url}/api/event-stores/outage/streams/${stream}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ events: [{ type: 't', data: { w }, eventId }] }),
        signal: AbortSignal.timeout(15_000),
      });
      await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const now = Date.now();
      if (response.status === 200) {
        acknowledged.push({ stream, eventId });
        if (restartedAt && !firstOkAfterRestart && now > restartedAt) firstOkAfterRestart = now;
      }
      if (response.status === 503 && killedAt && !first503At) {
        first503At = now;
        first503RetryAfter = response.headers.get('retry-after');
      }
      if (response.status !== 200) await sleep(100);
    } catch {
      await sleep(100);
    }
  }
};

const results: Array<{ to503: number; retryAfter: string | null; readyz: number; recovery: number }> = [];
try {
  const writers = Array.from({ length: 8 }, (_, w) => writer(w));
  for (let i = 0; i < outages; i++) {
    await sleep(1_500);
    first503At = 0;
    firstOkAfterRestart = 0;
    restartedAt = 0;
    killedAt = Date.now();
    await killHard(database);
    while (!first503At && Date.now() - killedAt < 30_000) await sleep(10);
    const readyz = (await fetch(`${url}/readyz`)).status;
    await sleep(Math.max(0, downMs - (Date.now() - killedAt)));
    database = await startFerretDB(binary, port, dir);
    restartedAt = Date.now();
    while (!firstOkAfterRestart && Date.now() - restartedAt < 60_000) await sleep(10);
    const result = { to503: first503At - killedAt, retryAfter: first503RetryAfter, readyz, recovery: firstOkAfterRestart - restartedAt };
    results.push(result);
    console.log(`outage ${i + 1}: first 503 after ${result.to503} ms (Retry-After ${result.retryAfter}), /readyz ${readyz} while down, first 200 ${result.recovery} ms after the database was back`);
  }
  stopWriters = true;
  await Promise.all(writers);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const pick = (re: RegExp) => metrics.split('\n').filter((l) => re.test(l)).join('\n');
  console.log(pick(/^eventlane_(retryable_responses_total|storage_errors_total|appends_total)/));
  let lost = 0;
  for (const { stream, eventId } of acknowledged) {
    const read = await storage.readStream({ org: 'outage', store: 'outage' }, stream, { limit: 1000 });
    if (!read.events.some((e) => e.eventId === eventId)) lost++;
  }
  console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}; ${acknowledged.length} acknowledged appends, ${lost} lost`);
  const max = (f: (r: (typeof results)[number]) => number) => Math.max(...results.map(f));
  console.log(`== ${outages} outages: first 503 after at most ${max((r) => r.to503)} ms; recovery without restart after at most ${max((r) => r.recovery)} ms; /readyz while down: ${results.map((r) => r.readyz).join(',')}; lost ${lost}`);
  process.exitCode = lost > 0 || results.some((r) => r.readyz !== 503 || r.retryAfter === null) ? 1 : 0;
} finally {
  stopWriters = true;
  await app.stop().catch(() => {});
  await killHard(database);
  rmSync(dir, { recursive: true, force: true });
}
