import { runStorm, type StormResult } from './runStorm';

export interface ScalingReport {
  rounds: Array<{ one: StormResult; two: StormResult; ratio: number }>;
  /** Acknowledged appends summed over rounds: two instances ÷ one. */
  ratio: number;
  violations: number;
}

/**
 * Issue 11's instance-scaling check: one store, 24 streams, 8 writers, `loadMs` of load and no
 * kills, on one FerretDB database, against one server instance and then two behind a plain
 * round-robin proxy (both through the same proxy), `rounds` times, alternating which goes first.
 * The checker runs on every storm: scaling must not cost an invariant.
 */
export async function runScaling(options: { seed: number; loadMs: number; rounds: number; log: (line: string) => void }): Promise<ScalingReport> {
  const rounds: ScalingReport['rounds'] = [];
  const storm = (instances: number, seed: number) =>
    runStorm({ backend: 'mongodb', kill: 'none', instances, writers: 8, streams: 24, loadMs: options.loadMs, seed, log: () => {} });
  for (let round = 0; round < options.rounds; round++) {
    const seed = options.seed + round;
    let one: StormResult;
    let two: StormResult;
    if (round % 2 === 0) {
      one = await storm(1, seed);
      two = await storm(2, seed);
    } else {
      two = await storm(2, seed);
      one = await storm(1, seed);
    }
    const ratio = two.outcomes.ok / Math.max(1, one.outcomes.ok);
    rounds.push({ one, two, ratio });
    const perAppend = (r: StormResult) =>
      `CPU per acknowledged append: database ${r.cpuMs.database === null ? '?' : (r.cpuMs.database / Math.max(1, r.outcomes.ok)).toFixed(1)} ms, ` +
      `servers ${r.cpuMs.servers === null ? '?' : (r.cpuMs.servers / Math.max(1, r.outcomes.ok)).toFixed(1)} ms; ${r.operations} operations (${r.outcomes.conflict} conflicts)`;
    options.log(
      `round ${round + 1}: 1 instance ${one.outcomes.ok} acknowledged (${(one.outcomes.ok / (one.loadMs / 1000)).toFixed(1)}/s, ${one.violations.length} violations); ` +
        `2 instances ${two.outcomes.ok} acknowledged (${(two.outcomes.ok / (two.loadMs / 1000)).toFixed(1)}/s, ${two.violations.length} violations); ratio ${ratio.toFixed(2)}`,
    );
    const commandsPerAppend = (r: StormResult) => {
      if (!r.databaseCommands) return 'database commands: ?';
      const entries = Object.entries(r.databaseCommands).sort((a, b) => b[1] - a[1]);
      const total = entries.reduce((a, [, n]) => a + n, 0);
      const per = (n: number) => (n / Math.max(1, r.outcomes.ok)).toFixed(1);
      return `database commands per acknowledged append: ${per(total)} (${entries.map(([name, n]) => `${name} ${per(n)}`).join(', ')})`;
    };
    options.log(`  1 instance: ${perAppend(one)}`);
    options.log(`    ${commandsPerAppend(one)}`);
    options.log(`  2 instances: ${perAppend(two)}`);
    options.log(`    ${commandsPerAppend(two)}`);
  }
  const sum = (f: (r: ScalingReport['rounds'][number]) => number) => rounds.reduce((a, r) => a + f(r), 0);
  const ratio = sum((r) => r.two.outcomes.ok) / Math.max(1, sum((r) => r.one.outcomes.ok));
  const violations = sum((r) => r.one.violations.length + r.two.violations.length);
  options.log(`== scaling: 2 instances ÷ 1 = ${ratio.toFixed(2)} (goal ≥ 1.0, must ≥ 0.9) over ${rounds.length} round(s); ${violations} violations`);
  return { rounds, ratio, violations };
}
