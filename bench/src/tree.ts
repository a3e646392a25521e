import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** This repository's root: the tree whose compiled server the benchmarks run by default. */
export const defaultTree = fileURLToPath(new URL('../..', import.meta.url));

const built = new Map<string, Promise<void>>();

/**
 * Compiles a tree's server and the packages it uses (`tsc -b apps/server`, incremental), once per
 * run: the benchmarks run `apps/server/dist`, the code `npm start` runs.
 */
export function ensureBuilt(tree: string): Promise<void> {
  let done = built.get(tree);
  if (!done) {
    const tsc = join(tree, 'node_modules/typescript/bin/tsc');
    done = exec(process.execPath, [tsc, '-b', join(tree, 'apps/server/tsconfig.json')], { cwd: tree, maxBuffer: 16 * 1024 * 1024 }).then(
      () => undefined,
      (error: Error & { stdout?: string }) => {
        throw new Error(`tsc -b apps/server failed in ${tree}: ${error.stdout ?? error.message}`);
      },
    );
    built.set(tree, done);
  }
  return done;
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr' } });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/**
 * Another commit of this repository, exported (`git archive`, no git metadata), installed from
 * the local pnpm store and built, in a temporary folder kept between runs (one per commit): what
 * `--compare <ref>` measures next to the working tree, in the same run.
 */
export async function prepareTree(ref: string): Promise<{ dir: string; commit: string }> {
  const { stdout } = await exec('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: defaultTree });
  const commit = stdout.trim();
  const dir = join(tmpdir(), `eventlane-bench-tree-${commit.slice(0, 12)}`);
  const marker = join(dir, '.bench-ready');
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await run('bash', ['-c', `git archive ${commit} | tar -x -C ${JSON.stringify(dir)}`], defaultTree);
    await run('pnpm', ['install', '--offline', '--frozen-lockfile', '--reporter=silent'], dir);
    await ensureBuilt(dir);
    writeFileSync(marker, `${commit}\n`);
  }
  return { dir, commit };
}
