import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer, issueApiKey } from '@eventlane/server';
import { getSQLiteStorage } from '@eventlane/store/sqlite';

/**
 * `pnpm fuzz [--max-examples 50] [-- extra schemathesis args]`: schemathesis (PyPI) generates
 * requests from /openapi.json against a server on 127.0.0.1 with an admin key, checking every
 * response against the document (`--checks all`), no 5xx, and (hooks.py) no stack trace or driver
 * text in any body. Needs `pip install schemathesis`.
 */
const { values, positionals } = parseArgs({
  options: { 'max-examples': { type: 'string', default: '50' }, seed: { type: 'string', default: '1' } },
  allowPositionals: true,
});

const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-fuzz-'));
const storage = await getSQLiteStorage({ dataDir });
const app = createServer({ storage, logLevel: 'silent', security: { rateLimitMax: 0 } });
const url = await app.start({ port: 0 });
await storage.createOrganization('fuzz');
const { key } = await issueApiKey(storage, { organizationId: 'fuzz', scopes: ['append', 'read', 'admin'] });
// Some data for the generated reads to find.
await storage.append({ org: 'fuzz', store: 'orders' }, 'order-1', [{ type: 'order.placed', data: { total: 1 } }]);

const hooks = fileURLToPath(new URL('../fuzz/hooks.py', import.meta.url));
const args = [
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
  '--workers',
  '2',
  '--no-color',
  // 405 for methods the document does not list is not part of Eventlane's contract (it answers 404).
  '--exclude-checks',
  'unsupported_method',
  ...positionals,
];
const code = await new Promise<number>((resolve, reject) => {
  const child = spawn('schemathesis', args, { stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_HOOKS: 'hooks' , PYTHONPATH: join(hooks, '..') } });
  child.on('error', reject);
  child.on('close', (c) => resolve(c ?? 1));
});
await app.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(code);
