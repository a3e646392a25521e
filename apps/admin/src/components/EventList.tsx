import { useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { StoredEvent } from '@eventlane/contracts';
import { formatTime, prettyJson } from '../format';

const ROW_HEIGHT = 168;

/**
 * Only the rows in view are in the DOM so a stream of 100,000 events
 * scrolls as smoothly as one of ten. The list is a labelled, focusable region so the keyboard
 * scrolls it.
 */
export function EventList({ events, label }: { events: StoredEvent[]; label: string }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: events.length,
    getScrollElement: () => parentRef.current,
    // A fixed row height: measuring rows as they render makes the virtualizer re-lay out 100,000
    // offsets on every new row, which is what makes long lists stutter. Long JSON scrolls inside its row.
    estimateSize: () => ROW_HEIGHT,
    overscan: 4,
    getItemKey: (index) => events[index]?.eventId ?? index,
  });
  if (events.length === 0) return <p className="empty">No events in this stream yet.</p>;
  return (
    <div ref={parentRef} className="event-list" role="region" aria-label={label} tabIndex={0} data-testid="event-list">
      <ol style={{ height: virtualizer.getTotalSize(), position: 'relative' }} aria-rowcount={events.length}>
        {virtualizer.getVirtualItems().map((item) => {
          const event = events[item.index]!;
          return (
            <li
              key={item.key}
              data-index={item.index}
              className="event-row"
              style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
              data-testid="event-row"
            >
              <div className="event-head">
                <strong className="event-type">{event.type}</strong>
                <span>
                  position <span data-testid="stream-position">{event.streamPosition}</span>
                </span>
                <span>global {event.globalPosition}</span>
                <time dateTime={event.createdAt}>{formatTime(event.createdAt)}</time>
                {event.schemaVersion ? <span className="muted">schema {event.schemaVersion}</span> : null}
              </div>
              <div className="event-body">
                <div>
                  <span className="label">data</span>
                  <pre className="json" data-testid="event-data">
                    {prettyJson(event.data)}
                  </pre>
                </div>
                {event.metadata ? (
                  <div>
                    <span className="label">metadata</span>
                    <pre className="json">{prettyJson(event.metadata)}</pre>
                  </div>
                ) : null}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
