import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { ferretdbBinaryPath, freePort } from '@eventlane/store/testing/mongoTestServer';

// Node itself runs the server with tsx as a loader: no tsx CLI in between, so SIGKILL hits the server process.
const TSX_LOADER = import.meta.resolve('tsx');
/** The server is run as a process, exactly as `pnpm start` runs it; nothing of it is imported. */
const SERVER_ROOT = fileURLToPath(new URL('../../apps/server/', import.meta.url));

export { freePort };

/** A child process that is SIGKILLed when this process exits, whatever happens. */
function track(child: ChildProcess): ChildProcess {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return child;
}

/** CPU time (user + system) a live process has used so far, in ms, from /proc; null where /proc is not there. */
export function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export interface ServerProcess {
  child: ChildProcess;
  /** The first-start admin key, when this start created it. */
  firstKey: string | null;
  output: () => string;
}

/** Starts the Eventlane server on a fixed port and resolves once it listens. */
export function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, ['--conditions=@eventlane/source', '--import', TSX_LOADER, 'src/index.ts'], {
        cwd: SERVER_ROOT,
        env: { ...process.env, LOG_LEVEL: 'error', RATE_LIMIT_MAX: '0', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let output = '';
    let settled = false;
    let seen = false;
    const timer = setTimeout(() => finish(new Error(`server did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const finish = (error: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
        return;
      }
      const key = /^(el_[A-Za-z0-9_-]{43})$/m.exec(output);
      resolve({ child, firstKey: key ? key[1]! : null, output: () => output });
    };
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      // On a first start the key follows the URL line at once (same tick of the server).
      if (!seen && /listening on http/.test(output)) {
        seen = true;
        setTimeout(() => finish(null), 150);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => finish(new Error(`server exited (${code ?? signal}) while starting:\n${output}`)));
  });
}

export function ferretdbBinary(): string | null {
  const binary = ferretdbBinaryPath();
  return existsSync(binary) ? binary : null;
}

/** FerretDB (SQLite handler) on a fixed port and data folder, so that a restart finds its data again. */
/** `debugPort`: FerretDB's debug HTTP server (`/debug/metrics`, its command counters), off by default. */
export async function startFerretDB(binary: string, port: number, dir: string, timeoutMs = 30_000, debugPort?: number): Promise<ChildProcess> {
  const child = track(
    spawn(
      binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dir}/`,
        `--state-dir=${dir}`,
        `--listen-addr=127.0.0.1:${port}`,
        `--debug-addr=${debugPort === undefined ? '-' : `127.0.0.1:${debugPort}`}`,
        '--telemetry=disable',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const uri = `mongodb://127.0.0.1:${port}/`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`FerretDB exited while starting:\n${output}`);
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 });
    try {
      await client.db('admin').command({ ping: 1 });
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.close().catch(() => {});
    }
  }
  child.kill('SIGKILL');
  throw new Error(`FerretDB did not answer within ${timeoutMs} ms:\n${output}`);
}

/** FerretDB's count of the commands it received, by command name (from `/debug/metrics`); null if unreadable. */
export async function ferretdbCommandCounts(debugPort: number): Promise<Record<string, number> | null> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${debugPort}/debug/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^ferretdb_client_requests_total\{command="([^"]+)",opcode="OP_MSG"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
    return counts;
  } catch {
    return null;
  }
}

/** Starts a killed server again. A start can fail on a loaded machine (MongoDB not selected in time): that is not a finding, so up to `attempts` tries. */
export async function restartServer(env: Record<string, string>, log: (line: string) => void, attempts = 5): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer(env);
    } catch (error) {
      if (attempt >= attempts) throw error;
      log(`  restart attempt ${attempt} failed: ${(error as Error).message.split('\n').slice(0, 2).join(' ')}`);
    }
  }
}
