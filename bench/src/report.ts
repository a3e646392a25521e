import type { BenchmarkResult, Cell, Ratio, Table } from './context';

export interface RunReport {
  startedAt: string;
  quick: boolean;
  /** `--compare <ref>`: the commit measured next to the working tree. */
  compare?: string;
  machine: Record<string, string | number>;
  versions: Record<string, string>;
  benchmarks: BenchmarkResult[];
  totalSeconds: number;
}

const cell = (value: Cell) => (value === null ? '—' : typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 3 }) : value);

function table(t: Table): string {
  return [`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`, ...t.rows.map((row) => `| ${row.map(cell).join(' | ')} |`)].join('\n');
}

function verdict(ratio: Ratio): string {
  if (ratio.met === null) return ratio.target === '—' ? '' : 'not measured';
  return ratio.met ? 'met' : '**not met**';
}

/** The run as markdown: machine, versions, the ratio table against the targets, then each benchmark's figures. */
export function renderMarkdown(report: RunReport): string {
  const ratios = report.benchmarks.flatMap((b) => b.ratios);
  const lines = [
    `# Eventlane benchmarks, ${report.startedAt}${report.quick ? ' (--quick)' : ''}`,
    '',
    `Machine: ${Object.entries(report.machine).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    `Versions: ${Object.entries(report.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    ...(report.compare ? [`Compared with: ${report.compare} (its compiled server, in the same run).`] : []),
    '',
    '## Ratios against the targets (same run)',
    '',
    table({
      title: 'ratios',
      columns: ['ratio', 'measured', 'target', 'verdict', 'note'],
      rows: ratios.map((r) => [r.name, r.value === null || !Number.isFinite(r.value) ? null : Number(r.value.toFixed(2)), r.target, verdict(r), r.note ?? '']),
    }),
  ];
  for (const benchmark of report.benchmarks) {
    lines.push('', `## ${benchmark.title}`, '', `(${benchmark.seconds.toFixed(0)} s)`);
    for (const t of benchmark.tables) lines.push(...(benchmark.tables.length > 1 ? ['', `### ${t.title}`] : []), '', table(t));
    if (benchmark.notes.length > 0) lines.push('', ...benchmark.notes.map((note) => `- ${note}`));
  }
  lines.push('', `Total: ${report.totalSeconds.toFixed(0)} s.`, '');
  return lines.join('\n');
}
