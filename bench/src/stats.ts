/** Small statistics over plain arrays; no dependency, so every benchmark reports the same way. */
import { readFileSync } from 'node:fs';

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of values (`sorted`: already in ascending order); NaN when empty. */
export function percentile(values: readonly number[], p: number, sorted = false): number {
  if (values.length === 0) return Number.NaN;
  if (!sorted) values = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * values.length);
  return values[Math.min(values.length - 1, Math.max(0, rank - 1))]!;
}

/** Rounds for tables: 3 significant figures below 100, integers above. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  if (Math.abs(value) >= 100) return Math.round(value);
  return Number(value.toPrecision(3));
}

/** Milliseconds since `start` (a `process.hrtime.bigint()` value). */
export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The machine's CPU time counters from `/proc/stat` (jiffies): busy and total; null off Linux. */
export function machineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal ...
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Share of the machine's CPU (all cores) that was busy between two `machineCpu()` readings, 0–1. */
export function busyShare(before: ReturnType<typeof machineCpu>, after: ReturnType<typeof machineCpu>): number {
  if (!before || !after || after.total <= before.total) return Number.NaN;
  return (after.busy - before.busy) / (after.total - before.total);
}
