import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useSignedIn } from '../appContext';
import { QueryError } from './QueryState';

const WINDOW_MINUTES = 60;

/** Events per type and appended events per minute (last hour), each with a table for screen readers. */
export function StoreCharts({ store }: { store: string }) {
  const { api } = useSignedIn();
  const id = useId();
  const byType = useQuery({ queryKey: ['stats', 'byType', store], queryFn: () => api.eventCountsByType(store) });
  const perMinute = useQuery({ queryKey: ['stats', 'perMinute', store], queryFn: () => api.eventsPerMinute(store, WINDOW_MINUTES), refetchInterval: 30_000 });
  const types = byType.data?.counts ?? [];
  const minutes = perMinute.data ? everyMinute(perMinute.data.since, perMinute.data.buckets) : [];
  const appended = minutes.reduce((sum, bucket) => sum + bucket.count, 0);
  return (
    <section aria-labelledby={`${id}-title`} className="charts">
      <h2 id={`${id}-title`}>Overview</h2>
      <div className="chart-grid">
        <figure className="card">
          <figcaption>Events per type</figcaption>
          <QueryError error={byType.error} what="event counts" hasData={!!byType.data} />
          {byType.data && types.length === 0 ? <p className="empty">No events yet.</p> : null}
          {types.length > 0 ? (
            <>
              <div className="chart" aria-hidden="true">
                <ResponsiveContainer width="100%" height={220}>
                  <BarChart data={types} layout="vertical" margin={{ left: 24 }}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis type="number" allowDecimals={false} />
                    <YAxis type="category" dataKey="type" width={120} />
                    <Tooltip />
                    <Bar dataKey="count" name="events" fill="#2f6db5" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
              <table className="sr-only">
                <caption>Events per type</caption>
                <tbody>
                  {types.map((row) => (
                    <tr key={row.type}>
                      <th scope="row">{row.type}</th>
                      <td>{row.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </figure>
        <figure className="card">
          <figcaption>Events appended per minute, last hour</figcaption>
          <QueryError error={perMinute.error} what="append rates" hasData={!!perMinute.data} />
          {perMinute.data && appended === 0 ? <p className="empty">Nothing appended in the last hour.</p> : null}
          {appended > 0 ? (
            <>
              <div className="chart" aria-hidden="true">
                <ResponsiveContainer width="100%" height={220}>
                  <BarChart data={minutes}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="label" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Bar dataKey="count" name="events" fill="#3d8b5a" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
              <table className="sr-only">
                <caption>Events appended per minute</caption>
                <tbody>
                  {minutes.filter((row) => row.count > 0).map((row) => (
                    <tr key={row.minute}>
                      <th scope="row">{row.label}</th>
                      <td>{row.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
        </figure>
      </div>
    </section>
  );
}

/** The server sends only minutes with appends; the chart shows every minute of the window, empty ones as 0. */
function everyMinute(since: string, buckets: Array<{ minute: string; count: number }>): Array<{ minute: string; count: number; label: string }> {
  const floor = (iso: string) => Math.floor(new Date(iso).getTime() / 60_000) * 60_000;
  const counts = new Map<number, number>();
  for (const bucket of buckets) counts.set(floor(bucket.minute), (counts.get(floor(bucket.minute)) ?? 0) + bucket.count);
  const start = Math.min(floor(since), ...counts.keys());
  const end = Math.max(Date.now(), ...counts.keys());
  const rows: Array<{ minute: string; count: number; label: string }> = [];
  for (let at = start; at <= end && rows.length <= 7 * 24 * 60; at += 60_000) {
    const date = new Date(at);
    rows.push({ minute: date.toISOString(), count: counts.get(at) ?? 0, label: date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) });
  }
  return rows;
}
