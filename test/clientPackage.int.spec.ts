import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, issueApiKey, type EventlaneServer } from '@eventlane/server';
import { getSQLiteStorage } from '@eventlane/store/sqlite';

// The client as a user gets it: `pnpm --filter @eventlane/client pack`, installed with plain npm
// into a fresh project outside the workspace, then used from Node, from a Vite + React app and
// from a strictly typechecked TypeScript file. Issue 14.
const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Size budget, minified + gzip (-9), as an app bundler includes it with dexie, zod and react
 * left to the app. Measured 2026-11-30: core 12,807 bytes, /react 196 (packages/client/README.md, "Size").
 */
const BUDGET = { core: 16 * 1024, react: 1024 };

let project: string;
let tarball: string;
let server: EventlaneServer;
let dataDir: string;
let baseUrl: string;
let apiKey: string;

beforeAll(async () => {
  const packDir = mkdtempSync(join(tmpdir(), 'eventlane-pack-'));
  // prepack builds the package (tsc -b, then tsdown), so this works on a clean clone.
  await run('pnpm', ['--filter', '@eventlane/client', 'pack', '--pack-destination', packDir], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  tarball = join(packDir, readdirSync(packDir).find((name) => name.endsWith('.tgz'))!);

  project = mkdtempSync(join(tmpdir(), 'eventlane-consumer-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // Versions as in the workspace's lockfile (the npm cache has them after the first run).
  const packages = [tarball, 'fake-indexeddb@6.2.8', 'react@19.3.1', 'react-dom@19.3.1', '@types/react@19.3.0', 'vite@8.3.8', '@vitejs/plugin-react@6.3.0', 'typescript@5.9.3'];
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...packages], { cwd: project, maxBuffer: 16 * 1024 * 1024 });

  dataDir = mkdtempSync(join(tmpdir(), 'eventlane-pack-data-'));
  const storage = await getSQLiteStorage({ dataDir });
  await storage.createOrganization('acme');
  apiKey = (await issueApiKey(storage, { organizationId: 'acme', scopes: ['append', 'read'] })).key;
  server = createServer({ storage, logLevel: 'silent' });
  baseUrl = await server.start({ port: 0, host: '127.0.0.1' });
}, 600_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of [project, dataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed @eventlane/client', () => {
  it('depends at runtime on dexie and zod only, with react an optional peer', async () => {
    const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json']);
    const manifest = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(manifest.dependencies!).sort()).toEqual(['dexie', 'zod']);
    expect(Object.keys(manifest.peerDependencies!)).toEqual(['react']);
    expect(manifest.peerDependenciesMeta).toEqual({ react: { optional: true } });
    const { stdout: files } = await run('tar', ['-tzf', tarball]);
    expect(files).not.toMatch(/package\/src\//);
    expect(files).toMatch(/package\/dist\/index\.js/);
    // Nothing of the workspace is left to resolve: contracts are inlined in the JS and the types.
    const installed = join(project, 'node_modules/@eventlane/client/dist');
    for (const file of readdirSync(installed, { recursive: true }) as string[]) {
      if (/\.(js|d\.ts)$/.test(file)) expect(readFileSync(join(installed, file), 'utf8'), file).not.toMatch(/(from|import)\s*\(?\s*['"]@eventlane\//);
    }
  });

  it('runs in plain Node as ESM, with fake-indexeddb, and appends to a real server', async () => {
    writeFileSync(
      join(project, 'append.mjs'),
      `import 'fake-indexeddb/auto';
import { createEventlaneClient } from '@eventlane/client';
import { FakeClock } from '@eventlane/client/testing';
const [baseUrl, apiKey] = process.argv.slice(2);
const client = createEventlaneClient({ baseUrl, apiKey, dbName: 'consumer', persistStorage: null });
if (!(new FakeClock().now() > 0)) throw new Error('testing entry');
const { settled } = await client.append('orders', 'order-1', [{ type: 'OrderPlaced', data: { total: 12 } }], { expectedStreamVersion: 'no_stream' });
const outcome = await settled;
const read = await client.readStream('orders', 'order-1');
console.log(JSON.stringify({ state: outcome.state, result: outcome.result, types: read.events.map((e) => e.type) }));
await client.close();
`,
    );
    const { stdout } = await run(process.execPath, ['append.mjs', baseUrl, apiKey], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ state: 'synced', result: { success: true, nextExpectedStreamVersion: 1, eventsWritten: 1 }, types: ['OrderPlaced'] });
    const response = await fetch(`${baseUrl}/api/event-stores/orders/streams/order-1/events`, { headers: { 'X-API-Key': apiKey } });
    expect(((await response.json()) as { events: Array<{ data: unknown }> }).events.map((e) => e.data)).toEqual([{ total: 12 }]);
  });

  it('builds into a fresh Vite + React app with its hooks', async () => {
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'index.html'), '<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>');
    writeFileSync(join(project, 'vite.config.js'), "import react from '@vitejs/plugin-react';\nimport { defineConfig } from 'vite';\nexport default defineConfig({ plugins: [react()] });\n");
    writeFileSync(
      join(project, 'src/main.tsx'),
      `import { createRoot } from 'react-dom/client';
import { createEventlaneClient } from '@eventlane/client';
import { useOutbox, useSyncStatus } from '@eventlane/client/react';
const client = createEventlaneClient({ baseUrl: location.origin, apiKey: 'el_x', dbName: 'app' });
function Badge() {
  const status = useSyncStatus(client);
  const outbox = useOutbox(client);
  return <span>{status.online ? 'online' : 'offline'} · {status.pendingCount} pending · {outbox.length} entries</span>;
}
createRoot(document.getElementById('root')!).render(<Badge />);
`,
    );
    await run(join(project, 'node_modules/.bin/vite'), ['build', '--logLevel', 'error'], { cwd: project });
    const assets = join(project, 'dist/assets');
    const js = readdirSync(assets).filter((name) => name.endsWith('.js'));
    const code = js.map((name) => readFileSync(join(assets, name), 'utf8')).join('\n');
    expect(code).toContain('eventlane-sync:'); // the client's lock name: the library is in the bundle
    expect(code).toContain('pending');
  });

  it('typechecks a consumer file with tsc --strict (NodeNext, skipLibCheck off), and its types are not any', async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { createEventlaneClient, InvalidAppendError, OUTBOX_TRANSITIONS, type OutboxEntry, type SyncStatus } from '@eventlane/client';
import { useSyncStatus } from '@eventlane/client/react';
import { FakeLocks, manualOnlineSignal } from '@eventlane/client/testing';

const client = createEventlaneClient({ baseUrl: 'https://events.example.com', apiKey: 'el_x', dbName: 'app', online: manualOnlineSignal(false) });
export async function place(total: number): Promise<number> {
  const { entry, settled } = await client.append('orders', 'order-1', [{ type: 'OrderPlaced', data: { total } }], { expectedStreamVersion: 'no_stream' });
  const outcome = await settled;
  if (outcome.state === 'synced') return outcome.result.nextExpectedStreamVersion;
  return entry.id;
}
export const pending = (status: SyncStatus): number => status.pendingCount;
export const states = (entries: OutboxEntry[]) => entries.map((e) => e.state);
export const next = OUTBOX_TRANSITIONS.syncing.stored;
export const hook: (c: typeof client) => SyncStatus = useSyncStatus;
export const locks = new FakeLocks();
export const isInvalid = (e: unknown) => e instanceof InvalidAppendError && e.issues.length > 0;
// @ts-expect-error the store name is a string
void client.append(42, 'order-1', []);
// @ts-expect-error expectedStreamVersion takes a number or one of four words
void client.append('orders', 'order-1', [], { expectedStreamVersion: 'latest' });
// @ts-expect-error an entry's state is one of six
export const wrong: OutboxEntry['state'] = 'done';
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2023', 'DOM', 'DOM.Iterable'], types: [], skipLibCheck: false, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true },
        files: ['consumer.ts'],
      }),
    );
    const result = await run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: project }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('');
  });

  it('stays within its size budget (minified + gzip, dexie/zod/react left to the app)', async () => {
    const size = async (entry: string, external: string[]) => {
      const out = await build({
        stdin: { contents: `export * from '${entry}';`, resolveDir: project, loader: 'js' },
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        external,
        write: false,
        logLevel: 'silent',
      });
      const bytes = out.outputFiles[0]!.contents;
      return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    };
    const deps = ['dexie', 'zod', 'react'];
    const core = await size('@eventlane/client', deps);
    const react = await size('@eventlane/client/react', deps);
    const withDeps = await size('@eventlane/client', ['react']);
    console.log(`client size (min / min+gz bytes): core ${core.min} / ${core.gzip}; /react ${react.min} / ${react.gzip}; core with dexie and zod ${withDeps.min} / ${withDeps.gzip}`);
    expect(core.gzip).toBeLessThanOrEqual(BUDGET.core);
    expect(react.gzip).toBeLessThanOrEqual(BUDGET.react);
  });
});
