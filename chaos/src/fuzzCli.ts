import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer, issueApiKey } from '@eventlane/server';
import { getSQLiteStorage } from '@eventlane/store/sqlite';
import { eventlaneCacheDir } from '@eventlane/store/testing/mongoTestServer';

/**
 * `pnpm fuzz [--max-examples 50] [--summary-file F] [-- extra schemathesis args]`: schemathesis (PyPI) generates
 * requests from /openapi.json against a server on 127.0.0.1 with an admin key, checking every
 * response against the document (`--checks all`), no 5xx, and (hooks.py) no stack trace or driver
 * text in any body. Needs `pip install schemathesis`. With --summary-file, writes the counts of
 * its closing summary as JSON `{ generated, passed, failed, skipped, exitCode }` (read by
 * scripts/testSummary.mjs).
 */
const { values, positionals } = parseArgs({
  options: {
    'max-examples': { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    'summary-file': { type: 'string' },
  },
  allowPositionals: true,
});

const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-fuzz-'));
const storage = await getSQLiteStorage({ dataDir });
// Webhooks (issue 12): generated subscriptions are never delivered, and their host names are never
// looked up: every name "resolves" to one public address without any DNS query,
// so the fuzzer sends no traffic off this machine. IP literals are still checked as they are.
const app = createServer({
  storage,
  logLevel: 'silent',
  security: { rateLimitMax: 0 },
  webhooks: { enabled: false, resolver: async () => [{ address: '93.184.216.34', family: 4 }] },
});
const url = await app.start({ port: 0 });
await storage.createOrganization('fuzz');
const { key } = await issueApiKey(storage, { organizationId: 'fuzz', scopes: ['append', 'read', 'admin'] });
// Some data for the generated reads to find.
await storage.append({ org: 'fuzz', store: 'orders' }, 'order-1', [{ type: 'order.placed', data: { total: 1 } }]);

/** scripts/setup.sh --test installs schemathesis into a virtualenv in the cache folder; else PATH. */
function schemathesisBinary(): string {
  const venv = join(eventlaneCacheDir(), 'schemathesis-venv', 'bin', 'schemathesis');
  return existsSync(venv) ? venv : 'schemathesis';
}

const hooks = fileURLToPath(new URL('../fuzz/hooks.py', import.meta.url));
const config = fileURLToPath(new URL('../fuzz/schemathesis.toml', import.meta.url));
const args = [
  '--config-file',
  config,
  'run',
  `${url}/openapi.json`,
  '--header',
  `X-API-Key: ${key}`,
  '--checks',
  'all',
  '--max-examples',
  String(values['max-examples']),
  '--seed',
  String(values.seed),
  // One worker: with two, Hypothesis parses lambda sources on two threads at once and CPython
  // 3.11.7 fails with "AST constructor recursion depth mismatch" (a runtime error, not a finding).
  '--workers',
  '1',
  '--no-color',
  // 405 for methods the document does not list is not part of Eventlane's contract (it answers 404).
  '--exclude-checks',
  'unsupported_method,use_after_free',
  // The stateful phase chains generated appends whose bodies break rules JSON Schema cannot state
  // (see fuzz/schemathesis.toml), and re-creates deleted stores by appending (SPEC): only false alarms.
  // No example database: a run is what its seed makes it, in CI and after earlier long runs alike
  // (otherwise the short run in `npm test` replays whatever an earlier long run found here).
  '--generation-database',
  'none',
  '--phases',
  'examples,coverage,fuzzing',
  ...positionals,
];
const counts = { generated: 0, passed: 0, failed: 0, skipped: 0 };
const code = await new Promise<number>((resolve, reject) => {
  const child = spawn(schemathesisBinary(), args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SCHEMATHESIS_HOOKS: 'hooks', PYTHONPATH: join(hooks, '..') },
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    // The summary's "Test cases:" line, e.g. "919 generated, 919 passed, 30 skipped".
    const [, generated, rest] = /^\s*(\d+) generated, (.*)$/.exec(line) ?? [];
    if (generated !== undefined && rest !== undefined) {
      counts.generated = Number(generated);
      for (const [, n, word] of rest.matchAll(/(\d+) (passed|failed|skipped)/g)) counts[word as 'passed'] += Number(n);
    }
    // schemathesis closes with pytest's banner ("=== 1 warning in 11.92s ==="), which log readers
    // take for a pytest run of zero tests; the same words without the rule of "=" signs.
    console.log(line.replace(/^=+ (.*) =+$/, '-- $1 --'));
  });
  child.on('error', reject);
  child.on('close', (c) => resolve(c ?? 1));
});
if (values['summary-file']) {
  // A failing run reports at least one failure even when its summary line could not be read.
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  const file = resolvePath(values['summary-file']);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...counts, exitCode: code }));
}
await app.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(code);
