import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const benchDir = fileURLToPath(new URL('..', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'eventlane-bench-smoke-'));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

// A smoke test: the quick run finishes, prints its tables and writes its results. It asserts
// nothing about speed, which on a shared machine would only make the suite flaky.
describe('pnpm bench --quick', () => {
  it('runs every benchmark, prints the ratio table and writes results/<date>.json and .md', async () => {
    const { stdout } = await run(process.execPath, ['--conditions=@eventlane/source', '--import', 'tsx', 'src/cli.ts', '--quick', '--out', outDir], {
      cwd: benchDir,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 880_000,
    });
    expect(stdout).toContain('## Ratios against the targets (same run)');
    expect(stdout).toContain('| HTTP single-event appends, SQLite ÷ Fastify no-op, c=16 |');
    // The per-request cost table (issue 15): the no-op, Eventlane on a storage that answers at once, Eventlane on SQLite.
    const cpuTable = stdout.slice(stdout.indexOf('### Per-request CPU'));
    expect(cpuTable).toContain('| server | events/request | connections | requests/s | process CPU µs/request | event-loop busy µs/request |');
    for (const server of ['fastify no-op', 'eventlane stub', 'eventlane sqlite']) expect(cpuTable).toMatch(new RegExp(`\\| ${server} \\| 1 \\| 16 \\| [\\d,.]+ \\| [\\d,.]+ \\|`));
    const files = readdirSync(outDir);
    const json = files.find((f) => f.endsWith('.json'));
    expect(json).toBeDefined();
    expect(files).toContain(json!.replace(/\.json$/, '.md'));
    const report = JSON.parse(readFileSync(join(outDir, json!), 'utf8')) as { benchmarks: Array<{ name: string; notes: string[] }> };
    expect(report.benchmarks.map((b) => b.name)).toEqual(['http', 'mixed', 'storage', 'hot', 'reads', 'drain', 'memory', 'scaleout', 'startup', 'drain-browser', 'webhooks']);
    // The start-up (compiled server) and the browser drain (Chromium) ran, whatever their figures.
    const failed = report.benchmarks.filter((b) => ['startup', 'drain-browser'].includes(b.name) && b.notes.some((note) => note.startsWith('failed:')));
    expect(failed.map((b) => `${b.name}: ${b.notes.join(' ')}`)).toEqual([]);
  });
});
