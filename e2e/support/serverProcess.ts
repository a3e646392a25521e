import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_ROOT = fileURLToPath(new URL('../../apps/server', import.meta.url));
const TSX_CLI = fileURLToPath(import.meta.resolve('tsx/cli'));

export interface ServerProcess {
  url: string;
  /** The first-start admin key (scopes append, read, admin). */
  adminKey: string;
  dataDir: string;
  port: number;
  output(): string;
  /** SIGTERM and wait; the data folder is kept so that `restart` finds the same events. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data. */
  restart(): Promise<void>;
  /** Stops and deletes the data folder. */
  dispose(): Promise<void>;
}

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(env: Record<string, string>, firstStart: boolean, timeoutMs = 60_000): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX_CLI, '--conditions=@eventlane/source', 'src/index.ts'], {
      cwd: SERVER_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      // A first start prints the admin key after the URL.
      const banner = !firstStart || /one-time admin API key[^\n]*\n(el_\S+)\s/.test(output);
      if (match && banner) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

/**
 * A real server process (`apps/server/src/index.ts`, as `pnpm start` runs it) on a fresh SQLite
 * data folder, or on MongoDB when `env.MONGODB_URI` is given. It serves the built admin app.
 */
export async function startServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventlane-e2e-'));
  const baseEnv = { DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', ...env };
  let current = await launch(baseEnv, true);
  const adminKey = /one-time admin API key[^\n]*\n(el_\S+)/.exec(current.output())?.[1];
  if (!adminKey) throw new Error(`no admin key in the first-start output:\n${current.output()}`);
  const port = Number(new URL(current.url).port);
  let running = true;
  const server: ServerProcess = {
    url: current.url,
    adminKey,
    dataDir,
    port,
    output: () => current.output(),
    async stop() {
      if (!running) return;
      running = false;
      current.child.kill('SIGTERM');
      const timer = setTimeout(() => current.child.kill('SIGKILL'), 10_000);
      await current.exited.catch(() => undefined);
      clearTimeout(timer);
    },
    async restart() {
      await server.stop();
      current = await launch({ ...baseEnv, PORT: String(port) }, false);
      running = true;
    },
    async dispose() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
