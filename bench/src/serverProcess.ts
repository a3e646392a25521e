import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  url: string;
  key: string;
  pid: number;
  /** The server's resident set size in bytes, asked over IPC. */
  rss(): Promise<number>;
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

/** Starts a server in its own process (its own core on a 2-core machine) and waits until it listens. */
export async function spawnServer(kind: ServerKind, options: SpawnOptions = {}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), '--conditions=@eventlane/source', '--import', 'tsx', scripts[kind]], {
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
  return {
    ...ready,
    pid: child.pid!,
    rss: () =>
      new Promise((resolve) => {
        const onMessage = (message: { type: string; rss: number }) => {
          if (message.type !== 'rss') return;
          child.off('message', onMessage);
          resolve(message.rss);
        };
        child.on('message', onMessage);
        child.send({ type: 'rss' });
      }),
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
