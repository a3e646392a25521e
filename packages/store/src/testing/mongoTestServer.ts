import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, cp, mkdir, mkdtemp, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';

const execFileAsync = promisify(execFile);

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = `github.com/FerretDB/FerretDB@${FERRETDB_VERSION}`;

export type MongoTestServerKind = 'MONGODB_URI' | 'mongod' | 'ferretdb';

/** A MongoDB-wire server for tests. `stop()` ends what `startMongoTestServer` started (nothing for MONGODB_URI). */
export interface MongoTestServer {
  uri: string;
  kind: MongoTestServerKind;
  /** One line for logs: which server, which version, where. */
  description: string;
  stop(): Promise<void>;
}

/** What `startMongoTestServer` would use here, without starting anything; null when nothing can be had. */
export interface MongoTestServerChoice {
  kind: MongoTestServerKind;
  /** e.g. `FerretDB v1.24.2 (sqlite handler), to be built with go` */
  description: string;
}

const log = (message: string) => console.log(`[mongo-test-server] ${message}`);

export function eventlaneCacheDir(): string {
  return process.env.EVENTLANE_CACHE_DIR || join(homedir(), '.cache', 'eventlane');
}

/** Where the FerretDB build is cached (it may not exist yet: see `ensureFerretDB`). */
export function ferretdbBinaryPath(): string {
  return join(eventlaneCacheDir(), `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
}

async function findOnPath(command: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      await access(candidate, fsConstants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** A binary that exists but cannot start (see `buildFerretDB`) counts as missing. */
async function ferretdbBinaryWorks(binary: string): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync(binary, ['--version'], { timeout: 15_000 });
    return stdout.includes(`version: ${FERRETDB_VERSION}`);
  } catch {
    return false;
  }
}

function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** Which server `startMongoTestServer` would use, for messages. */
export async function findMongoTestServerKind(): Promise<MongoTestServerChoice | null> {
  if (process.env.MONGODB_URI) return { kind: 'MONGODB_URI', description: `MONGODB_URI (${redactUri(process.env.MONGODB_URI)})` };
  const mongod = await findOnPath('mongod');
  if (mongod) return { kind: 'mongod', description: `mongod at ${mongod}` };
  const binary = ferretdbBinaryPath();
  if (await ferretdbBinaryWorks(binary)) return { kind: 'ferretdb', description: `FerretDB ${FERRETDB_VERSION} (sqlite handler) from ${binary}` };
  const go = await findOnPath('go');
  if (go) return { kind: 'ferretdb', description: `FerretDB ${FERRETDB_VERSION} (sqlite handler), to be built with ${go}` };
  return null;
}

/**
 * Starts (or finds) a MongoDB-wire server: `MONGODB_URI` when set, else a `mongod` on PATH,
 * else FerretDB v1.24.2 with its SQLite handler (built once into the cache folder with `go`).
 * Throws when none can be had.
 *
 * @example
 * const server = await startMongoTestServer();
 * try { await run(server.uri); } finally { await server.stop(); }
 */
export async function startMongoTestServer(): Promise<MongoTestServer> {
  const uri = process.env.MONGODB_URI;
  if (uri) {
    return { uri, kind: 'MONGODB_URI', description: `MONGODB_URI (${redactUri(uri)})`, stop: async () => {} };
  }
  const mongod = await findOnPath('mongod');
  if (mongod) return startMongod(mongod);
  return startFerretDB(await ensureFerretDB());
}

/** A port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  /** Set by stop(), so that an expected exit is not reported as a crash. */
  stopping: boolean;
}

function spawnServer(binary: string, args: string[]): Started {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A test run that dies must not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const started: Started = { child, output: () => tail, stopping: false };
  child.once('exit', (code, signal) => {
    process.off('exit', killOnExit);
    if (!started.stopping) console.error(`[mongo-test-server] ${binary} exited unexpectedly (${code ?? signal}):\n${tail}`);
  });
  return started;
}

async function waitForPing(uri: string, started: Started, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      throw new Error(`${name} exited (${started.child.exitCode ?? started.child.signalCode}) before answering:\n${started.output()}`);
    }
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.close().catch(() => {});
    }
  }
  throw new Error(`${name} did not answer a ping within ${timeoutMs} ms: ${String(lastError)}\n${started.output()}`);
}

async function stopChild(started: Started): Promise<void> {
  started.stopping = true;
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Starts a server on a free port; retries when the port was taken between choosing and binding it. */
async function startOnFreePort(
  name: string,
  binary: string,
  argsFor: (port: number, dir: string) => string[],
): Promise<{ uri: string; stop: () => Promise<void> }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), `eventlane-${name}-`));
    const port = await freePort();
    const uri = `mongodb://127.0.0.1:${port}/`;
    const started = spawnServer(binary, argsFor(port, dir));
    const stop = async () => {
      await stopChild(started);
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await waitForPing(uri, started, name);
      return { uri, stop };
    } catch (error) {
      lastError = error;
      await stop();
    }
  }
  throw lastError;
}

async function startMongod(binary: string): Promise<MongoTestServer> {
  const t0 = Date.now();
  const { uri, stop } = await startOnFreePort('mongod', binary, (port, dir) => [
    '--port', String(port), '--bind_ip', '127.0.0.1', '--dbpath', dir, '--quiet', '--nounixsocket',
  ]);
  return { uri, kind: 'mongod', description: `mongod (${binary}) at ${uri}, started in ${Date.now() - t0} ms`, stop };
}

async function startFerretDB(binary: string): Promise<MongoTestServer> {
  const t0 = Date.now();
  const { uri, stop } = await startOnFreePort('ferretdb', binary, (port, dir) => [
    '--handler=sqlite',
    `--sqlite-url=file:${dir}/`,
    `--state-dir=${dir}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    '--telemetry=disable',
    '--log-level=error',
  ]);
  return {
    uri,
    kind: 'ferretdb',
    description: `FerretDB ${FERRETDB_VERSION} (sqlite handler) at ${uri}, started in ${Date.now() - t0} ms`,
    stop,
  };
}

/** Returns a working FerretDB binary from the cache, building it first when needed. */
export async function ensureFerretDB(): Promise<string> {
  const binary = ferretdbBinaryPath();
  if (await ferretdbBinaryWorks(binary)) return binary;
  const go = await findOnPath('go');
  if (!go) {
    throw new Error(
      `No MongoDB-wire server: MONGODB_URI is not set, there is no mongod on PATH, no working FerretDB at ${binary}, and no go to build it`,
    );
  }
  const release = await acquireLock(`${binary}.lock`);
  try {
    // Another process may have built it while we waited for the lock.
    if (await ferretdbBinaryWorks(binary)) return binary;
    await buildFerretDB(go, binary);
    return binary;
  } finally {
    await release();
  }
}

/**
 * `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
 * start ("Invalid build/version/version.txt file content"): the module zip lacks the generated
 * version.txt that `build/version` embeds, and the check runs whenever the main module is FerretDB
 * itself. So we build from a copy of the module source with that one file written.
 */
async function buildFerretDB(go: string, binary: string): Promise<void> {
  const t0 = Date.now();
  log(`building FerretDB ${FERRETDB_VERSION} with ${go} into ${binary} (takes about 2 minutes the first time)…`);
  const { stdout } = await execFileAsync(go, ['mod', 'download', '-json', FERRETDB_MODULE], { maxBuffer: 1 << 24, timeout: 600_000 });
  const moduleDir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!moduleDir) throw new Error(`go mod download ${FERRETDB_MODULE} returned no source folder`);
  const source = await mkdtemp(join(tmpdir(), 'eventlane-ferretdb-src-'));
  try {
    await cp(moduleDir, source, { recursive: true });
    await makeWritable(source);
    await writeFile(join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    await mkdir(join(binary, '..'), { recursive: true });
    const partial = `${binary}.${process.pid}.partial`;
    await execFileAsync(go, ['build', '-buildvcs=false', '-o', partial, './cmd/ferretdb'], {
      cwd: source,
      maxBuffer: 1 << 24,
      timeout: 1_200_000,
    });
    await rename(partial, binary);
  } finally {
    await rm(source, { recursive: true, force: true });
  }
  if (!(await ferretdbBinaryWorks(binary))) throw new Error(`the FerretDB built at ${binary} does not start`);
  log(`built FerretDB ${FERRETDB_VERSION} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

/** The Go module cache is read-only; the copy must be writable to add a file and to be removed. */
async function makeWritable(dir: string): Promise<void> {
  await execFileAsync('chmod', ['-R', 'u+w', dir]).catch(async () => chmod(dir, 0o755));
}

/** A lock file so that two test processes never build at once; a lock whose owner died is taken over. */
async function acquireLock(path: string, timeoutMs = 20 * 60_000): Promise<() => Promise<void>> {
  await mkdir(join(path, '..'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (owner > 0 && !isAlive(owner)) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path} (held by pid ${owner})`);
    if (!announced) log(`waiting for another process (pid ${owner}) to finish building FerretDB…`);
    announced = true;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
