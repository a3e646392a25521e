import { useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTRPC } from '../api/trpc';
import { Link } from './Link';
import { QueryStatus } from './QueryState';

const WINDOWS = {
  hour: { minutes: 60, bucketMinutes: 1, label: 'last hour', unit: 'minute' },
  day: { minutes: 24 * 60, bucketMinutes: 60, label: 'last day', unit: 'hour' },
  week: { minutes: 7 * 24 * 60, bucketMinutes: 60, label: 'last week', unit: 'hour' },
} as const;
type WindowName = keyof typeof WINDOWS;

/**
 * Events per type (each bar links to the explorer filtered by that type) and appended events
 * over a chosen window. The type chart is HTML, not SVG: its labels wrap instead of being cut,
 * whatever the number of types and the length of their names.
 */
export function StoreCharts({ store }: { store: string }) {
  const trpc = useTRPC();
  const id = useId();
  const [windowName, setWindowName] = useState<WindowName>('hour');
  const window = WINDOWS[windowName];
  const byType = useQuery(trpc.stats.eventCountsByType.queryOptions({ eventStoreName: store }));
  const perMinute = useQuery({ ...trpc.stats.eventsPerMinute.queryOptions({ eventStoreName: store, windowMinutes: window.minutes }), refetchInterval: 30_000 });
  const types = byType.data?.counts ?? [];
  const most = Math.max(1, ...types.map((row) => row.count));
  const buckets = perMinute.data ? bucketed(perMinute.data.since, perMinute.data.buckets, window.bucketMinutes, window.minutes) : [];
  const appended = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  return (
    <section aria-labelledby={`${id}-title`} className="charts">
      <h2 id={`${id}-title`}>Overview</h2>
      <div className="chart-grid">
        <figure className="card" aria-labelledby={`${id}-types`}>
          <figcaption id={`${id}-types`}>Events per type</figcaption>
          <QueryStatus query={byType} what="event counts" />
          {byType.data && types.length === 0 ? <p className="empty">No events yet.</p> : null}
          {types.length > 0 ? (
            <ol className="type-bars" data-testid="type-chart">
              {types.map((row) => (
                <li key={row.type}>
                  <Link to={{ name: 'events', store, search: new URLSearchParams({ type: row.type }).toString() }} className="type-bar-label">
                    {row.type}
                  </Link>
                  <span className="type-bar" aria-hidden="true">
                    <span style={{ width: `${(row.count / most) * 100}%` }} />
                  </span>
                  <span className="type-bar-count">{row.count.toLocaleString()}</span>
                </li>
              ))}
            </ol>
          ) : null}
          {types.length > 0 ? <p className="hint">Choose a type to see its events in the explorer.</p> : null}
        </figure>
        <figure className="card" aria-labelledby={`${id}-rate`}>
          <figcaption id={`${id}-rate`} className="with-control">
            <span>
              Events appended per {window.unit}, {window.label}
            </span>
            <label className="inline-label">
              <span className="sr-only">Window</span>
              <select value={windowName} onChange={(event) => setWindowName(event.target.value as WindowName)} aria-label="Chart window">
                <option value="hour">Hour</option>
                <option value="day">Day</option>
                <option value="week">Week</option>
              </select>
            </label>
          </figcaption>
          <QueryStatus query={perMinute} what="append rates" />
          {perMinute.data && appended === 0 ? <p className="empty">Nothing appended in the {window.label}.</p> : null}
          {appended > 0 ? (
            <>
              <div className="chart" aria-hidden="true">
                <ResponsiveContainer width="100%" height={220}>
                  <BarChart data={buckets} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="label" minTickGap={12} tick={{ fontSize: 12 }} />
                    <YAxis allowDecimals={false} tick={{ fontSize: 12 }} width={48} />
                    <Tooltip />
                    <Bar dataKey="count" name="events" fill="#3d8b5a" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
              <table className="sr-only">
                <caption>Events appended per {window.unit}</caption>
                <tbody>
                  {buckets
                    .filter((row) => row.count > 0)
                    .map((row) => (
                      <tr key={row.at}>
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

/** The server sends only minutes with appends; the chart shows every bucket of the window, empty ones as 0. */
function bucketed(since: string, minutes: Array<{ minute: string; count: number }>, bucketMinutes: number, windowMinutes: number) {
  const size = bucketMinutes * 60_000;
  const floor = (ms: number) => Math.floor(ms / size) * size;
  const counts = new Map<number, number>();
  for (const bucket of minutes) {
    const at = floor(new Date(bucket.minute).getTime());
    counts.set(at, (counts.get(at) ?? 0) + bucket.count);
  }
  const start = Math.min(floor(new Date(since).getTime()), ...counts.keys());
  const end = Math.max(floor(Date.now()), ...counts.keys());
  const rows: Array<{ at: number; count: number; label: string }> = [];
  const withDay = windowMinutes > 24 * 60;
  for (let at = start; at <= end && rows.length <= windowMinutes; at += size) {
    const date = new Date(at);
    const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    rows.push({ at, count: counts.get(at) ?? 0, label: withDay ? `${date.toLocaleDateString(undefined, { weekday: 'short' })} ${time}` : time });
  }
  return rows;
}
