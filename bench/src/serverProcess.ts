import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CpuSample } from './servers/ipc';
import { defaultTree, ensureBuilt } from './tree';

export interface ServerProcess {
  url: string;
  key: string;
  pid: number;
  /** The server's resident set size in bytes, asked over IPC. */
  rss(): Promise<number>;
  /** The server's CPU time and event-loop busy time so far, asked over IPC (subtract two samples). */
  cpu(): Promise<CpuSample>;
  stop(): Promise<void>;
}

export type ServerKind = 'eventlane' | 'noop';

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=...` to profile the server. */
  nodeArgs?: string[];
}

const scripts: Record<ServerKind, string> = {
  eventlane: fileURLToPath(new URL('./servers/eventlaneServer.ts', import.meta.url)),
  noop: fileURLToPath(new URL('./servers/noopServer.ts', import.meta.url)),
};

/**
 * Starts a server in its own process (its own core on a 2-core machine) and waits until it listens.
 * The script itself runs through tsx; without the source condition, `@eventlane/*` resolves to the
 * compiled packages (the Eventlane server loads its tree's `dist/` by path anyway).
 */
export async function spawnServer(kind: ServerKind, options: SpawnOptions = {}): Promise<ServerProcess> {
  if (kind === 'eventlane') await ensureBuilt(options.env?.BENCH_TREE ?? defaultTree);
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', scripts[kind]], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start within 60 s`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited with ${code} before it was ready`));
    });
    child.on('message', (message: { type: string; url: string; key: string }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message);
    });
  });
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (message: { type: string } & T) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.send({ type });
    });
  return {
    ...ready,
    pid: child.pid!,
    rss: async () => (await ask<{ rss: number }>('rss')).rss,
    cpu: async () => {
      const { cpuUs, loopActiveMs } = await ask<CpuSample>('cpu');
      return { cpuUs, loopActiveMs };
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
