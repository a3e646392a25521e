import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AppendResult } from '../eventStore.js';
import { UnavailableError } from '../errors.js';
import { encodeEvents } from '../appendDecision.js';
import type { AppendRequest, AppendToStream } from './appendToStream.js';
import type { SQLiteStorageOptions } from './database.js';
import { errorFromWire, type FromWriter, type ToWriter, type WriterData } from './writerProtocol.js';

export interface Writer {
  append: AppendToStream;
  /** Lets the appends already sent commit, then ends the writer. Appends after it fail with UnavailableError. */
  close(): Promise<void>;
}

export interface ThreadWriter extends Writer {
  /** The running writer thread, if any (tests stop it to check what a crash does). */
  readonly thread: Worker | undefined;
}

const isTypeScriptSource = import.meta.url.endsWith('.ts');
const ENTRY = new URL(isTypeScriptSource ? './writerWorker.ts' : './writerWorker.js', import.meta.url).href;

/**
 * Run from source (tsx in dev, tests, `pnpm serve`, the bench), the entry is TypeScript. On Node
 * 20, `--import tsx` inherited from the parent does not apply to a worker's entry, and under
 * vitest there is no tsx at all, so a small plain-JS bootstrap registers tsx's loader inside the
 * thread first and then imports the entry.
 */
function tsxApi(): string | undefined {
  if (!isTypeScriptSource) return undefined;
  // The ESM build of `tsx/esm/api` (its CommonJS build resolves its own hooks file wrongly when
  // register() runs in a worker). Resolved through tsx's exports map, from this package's location.
  const packageJson = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(packageJson, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(packageJson), exports['./esm/api']!.import.default)).href;
}

/**
 * From source, the thread resolves the workspace's packages to their source too (the
 * "@eventlane/source" export condition, which vitest sets in its resolver but not in Node's). From
 * dist/ it runs the compiled entry with the parent's flags, as a plain `node` process does.
 */
const SOURCE_CONDITION = '--conditions=@eventlane/source';
const EXEC_ARGV = isTypeScriptSource && !process.execArgv.includes(SOURCE_CONDITION) ? [...process.execArgv, SOURCE_CONDITION] : undefined;

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((error) => setImmediate(() => { throw error; }));
`;

/** Longest wait for the writer to finish what it was sent when the storage closes; after it, close() stops waiting (and holding the process open). */
const CLOSE_TIMEOUT_MS = 10_000;

interface Pending {
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

interface Running {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Appends of this turn not yet sent: one message per turn, not one per append. */
  outbox: Array<{ id: number; request: AppendRequest }>;
  send(): void;
  exited: Promise<void>;
}

/**
 * Appends committed on a worker thread with its own connection to the same file: the commit and
 * its fsync (synchronous=FULL) no longer block this thread's event loop, so requests keep being
 * parsed and answered meanwhile, and everything sent while a commit runs forms the next group.
 *
 * - An append's promise settles when the writer's message arrives, which it sends after COMMIT
 *   returned: acknowledged = on disk, as before.
 * - The thread starts with the first append (a CLI that only reads or manages keys never pays
 *   for it) and holds the process open only while appends are pending (it is unref'd when
 *   idle), so a forgotten close() cannot hang a CLI.
 * - If the thread dies (crash, out of memory, terminate()), every append sent to it fails with
 *   UnavailableError (nothing of an unacknowledged group can be assumed written or not: retrying
 *   with the same event ids is safe), and the next append starts a new thread.
 */
export function threadWriter(options: SQLiteStorageOptions): ThreadWriter {
  const workerData: WriterData & { entry: string; tsx: string | undefined } = {
    options: {
      dataDir: options.dataDir,
      ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
      ...(options.synchronous !== undefined ? { synchronous: options.synchronous } : {}),
      ...(options.busyTimeoutMs !== undefined ? { busyTimeoutMs: options.busyTimeoutMs } : {}),
    },
    entry: ENTRY,
    tsx: tsxApi(),
  };
  let running: Running | undefined;
  let nextId = 0;
  let closed = false;

  const start = (): Running => {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData, ...(EXEC_ARGV ? { execArgv: EXEC_ARGV } : {}) });
    worker.unref();
    const pending = new Map<number, Pending>();
    let failure: unknown;
    worker.on('message', (message: FromWriter) => {
      message.ids.forEach((id, i) => {
        const settle = pending.get(id);
        if (!settle) return;
        pending.delete(id);
        const outcome = message.outcomes[i]!;
        if (outcome.ok) settle.resolve(outcome.result);
        else settle.reject(errorFromWire(outcome.error));
      });
      if (pending.size === 0) worker.unref();
    });
    worker.on('error', (error) => {
      failure = error;
    });
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        if (running?.worker === worker) running = undefined;
        const error = new UnavailableError('The storage writer stopped before confirming the append; retry', {
          cause: failure ?? new Error(`writer thread exited with code ${code}`),
        });
        for (const settle of pending.values()) settle.reject(error);
        pending.clear();
        resolve();
      });
    });
    const self: Running = {
      worker,
      pending,
      outbox: [],
      send() {
        const appends = self.outbox;
        if (appends.length === 0) return;
        self.outbox = [];
        const message: ToWriter = { type: 'append', appends };
        try {
          worker.postMessage(message);
        } catch (error) {
          // Not clonable (a caller passed something exotic): those appends fail, nothing was sent.
          for (const { id } of appends) {
            pending.get(id)?.reject(error);
            pending.delete(id);
          }
          if (pending.size === 0) worker.unref();
        }
      },
      exited,
    };
    return self;
  };

  if (options.startWriterEarly) running = start();

  return {
    get thread() {
      return running?.worker;
    },
    append(scope, streamId, events, appendOptions = {}) {
      if (closed) return Promise.reject(new UnavailableError('Storage is closed'));
      let request: AppendRequest;
      try {
        request = {
          scope: { org: scope.org, store: scope.store },
          streamId,
          events: encodeEvents(events),
          options: appendOptions.expectedStreamVersion === undefined ? {} : { expectedStreamVersion: appendOptions.expectedStreamVersion },
        };
      } catch (error) {
        return Promise.reject(error);
      }
      let current: Running;
      try {
        current = running ??= start();
      } catch (error) {
        return Promise.reject(new UnavailableError('Cannot start the storage writer', { cause: error }));
      }
      return new Promise<AppendResult>((resolve, reject) => {
        const id = nextId++;
        if (current.pending.size === 0) current.worker.ref();
        current.pending.set(id, { resolve, reject });
        if (current.outbox.length === 0) setImmediate(current.send);
        current.outbox.push({ id, request });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const current = running;
      if (!current) return;
      // Never worker.terminate(): terminating a thread inside a SQLite call aborts the whole
      // process (better-sqlite3 12 cannot build its error in a terminating isolate). The thread
      // commits what it was sent, closes its connection and ends.
      current.worker.ref();
      current.send();
      const message: ToWriter = { type: 'close' };
      current.worker.postMessage(message);
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          current.worker.unref();
          resolve();
        }, CLOSE_TIMEOUT_MS);
      });
      await Promise.race([current.exited, gaveUp]);
      clearTimeout(timer);
    },
  };
}
