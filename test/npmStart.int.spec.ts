import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The README's `npm start`, run as a user would on this checkout: it builds every package and
// then serves the compiled server with plain node from apps/server/dist. Issue 14.
const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-npm-start-'));
let child: ChildProcess | undefined;

afterAll(async () => {
  if (child?.pid && child.exitCode === null) {
    const closed = new Promise((resolve) => child!.once('close', resolve));
    process.kill(-child.pid, 'SIGTERM'); // its own process group: npm, pnpm and the server
    await closed;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Every process below `pid`, with its command line. */
function descendants(pid: number): Array<{ pid: number; argv: string[] }> {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: Array<{ pid: number; argv: string[] }> = [];
  const walk = (parent: number) => {
    for (const pid of parents.get(parent) ?? []) {
      try {
        found.push({ pid, argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean) });
      } catch {
        continue;
      }
      walk(pid);
    }
  };
  walk(pid);
  return found;
}

describe('npm start', () => {
  it('builds, then serves the API and the admin app from the compiled server under plain node (no tsx)', async () => {
    child = spawn('npm', ['start'], {
      cwd: root,
      detached: true,
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not listen within 8 minutes:\n${output}`)), 480_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Eventlane is listening on (http:\/\/[^\s]+)/.exec(output);
        if (match && /\nel_[A-Za-z0-9_-]{43}\s*$/.test(output)) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('close', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    });
    const key = /\n(el_[A-Za-z0-9_-]{43})\s*$/.exec(output)![1]!;

    const tree = descendants(child.pid!);
    // (pnpm runs the script through `sh -c`, whose command line names the file too.)
    const servers = tree.filter(({ argv }) => /(^|\/)node$/.test(argv[0] ?? '') && argv.some((arg) => arg.endsWith('apps/server/dist/index.js')));
    expect(servers.map(({ argv }) => argv.slice(1))).toEqual([['apps/server/dist/index.js']]);
    expect(tree.filter(({ argv }) => argv.join(' ').includes('tsx'))).toEqual([]);

    const appended = await fetch(`${url}/api/event-stores/orders/streams/order-1`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': key },
      body: JSON.stringify({ events: [{ type: 'order.placed', data: { total: 3 } }] }),
    });
    expect(await appended.json()).toEqual({ success: true, nextExpectedStreamVersion: 1, eventsWritten: 1 });
    const app = await fetch(`${url}/`);
    expect(app.status).toBe(200);
    expect(await app.text()).toMatch(/<div id="root">/);
  }, 540_000);
});
