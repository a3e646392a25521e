/**
 * `tsx src/profileSummary.ts <file.cpuprofile> [top]`: where a server spent its CPU, from a
 * `node --cpu-prof` profile (`pnpm bench --profile DIR`): self time by function and by package,
 * and inclusive time by package and by our own functions (a sample counts once for every package
 * or function on its stack: "zod 9 %" means a zod frame was on the stack in 9 % of busy samples).
 * Samples are wall-clock: a thread preempted inside a syscall (`writev` on a busy 2-core machine)
 * is charged to that syscall.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string): string {
  if (!url) return '(native/idle)';
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pnpm) return pnpm[1]!;
  const workspace = /\/work\/[^/]+\/((?:apps|packages)\/[^/]+|bench)\//.exec(url);
  if (workspace) return workspace[1]!;
  if (url.startsWith('node:')) return 'node core';
  return url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx src/profileSummary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs.entries()].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, us]) => a + us, 0);

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)!.callFrame;
  if (frame.functionName === '(idle)') continue;
  const name = `${frame.functionName || '(anonymous)'} ${packageOf(frame.url)}:${frame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const pkg = frame.functionName.startsWith('(') ? frame.functionName : packageOf(frame.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}
const busy = total - idle;

// Inclusive: every distinct package (and every function of ours) on the sample's stack.
const inclusivePackage = new Map<string, number>();
const inclusiveOurs = new Map<string, number>();
for (const [id, us] of selfUs) {
  if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
  const packages = new Set<string>();
  const ours = new Set<string>();
  for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
    const frame = byId.get(node)!.callFrame;
    if (!frame.url) continue;
    const pkg = packageOf(frame.url);
    packages.add(pkg);
    const own = /\/((?:apps|packages)\/[^/]+\/(?:dist|src)\/.*)$/.exec(frame.url);
    if (own && !frame.url.includes('node_modules')) ours.add(`${frame.functionName || '(anonymous)'} ${own[1]}:${frame.lineNumber + 1}`);
  }
  for (const pkg of packages) inclusivePackage.set(pkg, (inclusivePackage.get(pkg) ?? 0) + us);
  for (const fn of ours) inclusiveOurs.set(fn, (inclusiveOurs.get(fn) ?? 0) + us);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (share of busy time)`);
  for (const [name, us] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${((100 * idle) / total).toFixed(0)}% idle`);
print('By package', byPackage);
print('By function (self time)', byFunction);
print('By package, inclusive', inclusivePackage);
print('Our functions, inclusive', inclusiveOurs);
