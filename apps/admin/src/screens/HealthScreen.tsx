import { useEffect, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { SystemInfo } from '@eventlane/contracts';
import { useTRPC } from '../api/trpc';
import { QueryStatus } from '../components/QueryState';
import { formatTime } from '../format';

const REFRESH_MS = 5_000;

/** `/readyz` has no procedure (load balancers call it without a key): read over plain HTTP. */
async function readyz(): Promise<{ status: number; body: string }> {
  const response = await fetch('/readyz', { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  const body = (await response.json().catch(() => null)) as { status?: string; message?: string } | null;
  return { status: response.status, body: body?.status ?? body?.message ?? `HTTP ${response.status}` };
}

function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = Math.floor(seconds % 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

const ms = (value: number | null) => (value === null ? '—' : value < 1 ? `≤ ${value.toFixed(1)} ms` : `≤ ${Math.round(value)} ms`);

/** Appends per second between two readings of the counters (refreshed every 5 s). */
function useRate(info: SystemInfo | undefined): number | null {
  const previous = useRef<{ at: number; total: number } | null>(null);
  const [rate, setRate] = useState<number | null>(null);
  useEffect(() => {
    if (!info) return;
    const total = Object.values(info.metrics.appends).reduce((sum, count) => sum + count, 0);
    const now = info.uptimeSeconds;
    const before = previous.current;
    if (before && now > before.at) setRate(Math.max(0, (total - before.total) / (now - before.at)));
    previous.current = { at: now, total };
  }, [info]);
  return rate;
}

/** This server: ready or not, storage, version, uptime and a few of its metrics. */
export function HealthScreen() {
  const trpc = useTRPC();
  const info = useQuery({ ...trpc.system.info.queryOptions(), refetchInterval: REFRESH_MS, meta: { persist: false } });
  const ready = useQuery({ queryKey: ['readyz'], queryFn: readyz, refetchInterval: REFRESH_MS, retry: false, meta: { persist: false } });
  const rate = useRate(info.data);
  const data = info.data;
  const m = data?.metrics;
  return (
    <section aria-labelledby="health-title">
      <header className="screen-header">
        <h1 id="health-title">Server health</h1>
        <p className="muted">This server instance, refreshed every {REFRESH_MS / 1000} s. The figures count since it started (as <code>/metrics</code> does).</p>
      </header>
      <div className="health-grid">
        <div className="card">
          <h2>Readiness</h2>
          {ready.data ? (
            <p>
              <code>/readyz</code>:{' '}
              <span className={ready.data.status === 200 ? 'pill ok' : 'pill bad'} data-testid="health-ready">
                {ready.data.status === 200 ? 'ready' : 'not ready'}
              </span>{' '}
              <span className="muted">
                (HTTP {ready.data.status}, {ready.data.body})
              </span>
            </p>
          ) : ready.error ? (
            <p className="error" data-testid="health-ready">
              <code>/readyz</code> cannot be reached: {(ready.error as Error).message}
            </p>
          ) : (
            <p className="muted">Asking /readyz…</p>
          )}
          <QueryStatus query={info} what="server facts" />
          {data ? (
            <dl className="facts vertical">
              <div>
                <dt>Storage</dt>
                <dd data-testid="health-storage">{data.storage === 'sqlite' ? 'SQLite (embedded)' : 'MongoDB'}</dd>
              </div>
              <div>
                <dt>Version</dt>
                <dd data-testid="health-version">{data.version}</dd>
              </div>
              <div>
                <dt>Uptime</dt>
                <dd data-testid="health-uptime">
                  {formatUptime(data.uptimeSeconds)} <span className="muted">(since {formatTime(data.startedAt)})</span>
                </dd>
              </div>
              <div>
                <dt>Node.js</dt>
                <dd>{data.nodeVersion}</dd>
              </div>
            </dl>
          ) : null}
        </div>
        {m ? (
          <div className="card">
            <h2>Appends and answers</h2>
            <dl className="facts metrics" data-testid="health-metrics">
              <div>
                <dt>Appends/s (last {REFRESH_MS / 1000} s)</dt>
                <dd data-testid="health-rate">{rate === null ? 'measuring…' : rate.toFixed(rate < 10 ? 1 : 0)}</dd>
              </div>
              <div>
                <dt>Appends written</dt>
                <dd data-testid="health-appends">{(m.appends.written ?? 0).toLocaleString()}</dd>
              </div>
              <div>
                <dt>Events written</dt>
                <dd>{m.eventsWritten.toLocaleString()}</dd>
              </div>
              <div>
                <dt>Append latency p50</dt>
                <dd>{ms(m.appendLatencyMs.p50)}</dd>
              </div>
              <div>
                <dt>Append latency p99</dt>
                <dd data-testid="health-p99">{ms(m.appendLatencyMs.p99)}</dd>
              </div>
              <div>
                <dt>409 conflicts</dt>
                <dd data-testid="health-409">{m.responses.status409.toLocaleString()}</dd>
              </div>
              <div>
                <dt>429 rate limited</dt>
                <dd data-testid="health-429">{m.responses.status429.toLocaleString()}</dd>
              </div>
              <div>
                <dt>503 unavailable</dt>
                <dd data-testid="health-503">{m.responses.status503.toLocaleString()}</dd>
              </div>
              <div>
                <dt>Other 5xx</dt>
                <dd>{(m.responses.status5xx - m.responses.status503).toLocaleString()}</dd>
              </div>
              <div>
                <dt>Requests answered</dt>
                <dd>{m.responses.total.toLocaleString()}</dd>
              </div>
              {m.residentMemoryBytes !== null ? (
                <div>
                  <dt>Memory (RSS)</dt>
                  <dd>{(m.residentMemoryBytes / 1024 / 1024).toFixed(0)} MiB</dd>
                </div>
              ) : null}
            </dl>
            <p className="hint">Latencies are upper bounds: the histogram bucket the percentile falls in.</p>
          </div>
        ) : null}
      </div>
    </section>
  );
}
