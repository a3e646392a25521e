import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TSX_CLI = fileURLToPath(import.meta.resolve('tsx/cli'));
// Node itself with tsx as a loader: no tsx CLI in between, so a SIGKILL reaches the server process.
const TSX_LOADER = import.meta.resolve('tsx');
export const SERVER_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry of apps/server as its own process, the way `pnpm start` / `pnpm eventlane` do. */
export function runEntry(entry: string, args: string[], env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSX_CLI, '--conditions=@eventlane/source', entry, ...args], {
      cwd: SERVER_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `src/index.ts` and resolves once it prints its URL. `killable`: run it under node with
 * tsx as a loader, so that SIGKILL hits the server itself (through the tsx CLI it would only kill the CLI).
 */
export function startServerProcess(env: Record<string, string>, timeoutMs = 60_000, { killable = false } = {}): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const args = killable ? ['--conditions=@eventlane/source', '--import', TSX_LOADER, 'src/index.ts'] : [TSX_CLI, '--conditions=@eventlane/source', 'src/index.ts'];
    const child = spawn(process.execPath, args, {
      cwd: SERVER_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        // Give the rest of the first-start banner a moment to arrive.
        setTimeout(() => resolve({ child, url: match[1]!, output: () => output, exited }), 100);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}
