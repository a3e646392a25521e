import { readFileSync } from 'node:fs';
import type { SystemInfo } from '@eventlane/contracts';
import type { Storage } from '@eventlane/store';
import type { ServerMetrics } from '../http/metrics.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const APPEND_ROUTE = '/api/event-stores/:eventStoreName/streams/:streamId';

/**
 * `GET /api/system` · `system.info`: what the admin app's health page shows. The figures come from
 * this instance's metrics registry (the same counters `/metrics` serves), so several instances
 * each tell their own.
 */
export function createSystemInfo(storage: Storage, metrics: ServerMetrics, startedAt = new Date()): () => Promise<SystemInfo> {
  return async () => {
    const ready = await storage.ping().then(
      () => true,
      () => false,
    );
    return {
      version: VERSION,
      storage: storage.backend,
      ready,
      startedAt: startedAt.toISOString(),
      uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      nodeVersion: process.version,
      metrics: await figures(metrics),
    };
  };
}

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

async function samples(metrics: ServerMetrics, name: string): Promise<Sample[]> {
  const metric = metrics.registry.getSingleMetric(name);
  return metric ? ((await metric.get()).values as Sample[]) : [];
}

async function figures(metrics: ServerMetrics): Promise<SystemInfo['metrics']> {
  const appends: Record<string, number> = {};
  for (const sample of await samples(metrics, 'eventlane_appends_total')) appends[String(sample.labels.outcome)] = sample.value;
  const eventsWritten = (await samples(metrics, 'eventlane_events_written_total')).reduce((sum, sample) => sum + sample.value, 0);

  const responses = { total: 0, status409: 0, status429: 0, status503: 0, status5xx: 0 };
  for (const sample of await samples(metrics, 'eventlane_http_requests_total')) {
    const status = String(sample.labels.status);
    responses.total += sample.value;
    if (status === '409') responses.status409 += sample.value;
    if (status === '429') responses.status429 += sample.value;
    if (status === '503') responses.status503 += sample.value;
    if (status.startsWith('5')) responses.status5xx += sample.value;
  }

  // The append route's latency histogram, all statuses together: cumulative counts per bucket bound.
  const buckets = new Map<number, number>();
  let count = 0;
  for (const sample of await samples(metrics, 'eventlane_http_request_duration_seconds')) {
    if (sample.labels.route !== APPEND_ROUTE || sample.labels.method !== 'POST') continue;
    if (sample.metricName?.endsWith('_bucket')) {
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
    } else if (sample.metricName?.endsWith('_count')) count += sample.value;
  }
  const quantile = (q: number): number | null => {
    if (count === 0) return null;
    for (const [le, cumulative] of [...buckets].sort((a, b) => a[0] - b[0])) {
      if (cumulative >= q * count) return Number.isFinite(le) ? le * 1000 : null;
    }
    return null;
  };

  const resident = (await samples(metrics, 'eventlane_process_resident_memory_bytes'))[0]?.value ?? null;
  return { appends, eventsWritten, responses, appendLatencyMs: { p50: quantile(0.5), p99: quantile(0.99), count }, residentMemoryBytes: resident };
}
