import { useCallback, useEffect, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { StoredEvent } from '@eventlane/contracts';
import { formatTime, prettyJson } from '../format';
import { useFollow } from './useFollow';

const ESTIMATED_ROW = 120;

interface Props {
  /** In the order they are shown. */
  events: StoredEvent[];
  label: string;
  order: 'asc' | 'desc';
  /** Keep the newest in view while the reader is at that edge (the live tail). */
  follow: boolean;
  /** Stream position to scroll to and mark (a link to "the stream at that position"). */
  highlight?: number;
  onInspect(event: StoredEvent): void;
}

/**
 * A stream's events. Only the rows in view are in the DOM, so 100,000 events scroll as smoothly
 * as ten; each row is as tall as its content (measured once shown), with no scrolling box of its
 * own, so long JSON neither hides behind an inner scrollbar nor adds a Tab stop per block. The
 * list itself is one focusable region, scrolled with the keyboard.
 */
export function EventList({ events, label, order, follow, highlight, onInspect }: Props) {
  const parentRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: events.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ESTIMATED_ROW,
    overscan: 4,
    getItemKey: (index) => events[index]?.eventId ?? index,
  });
  const toEdge = useCallback(() => {
    if (events.length === 0) return;
    virtualizer.scrollToIndex(order === 'desc' ? 0 : events.length - 1, { align: order === 'desc' ? 'start' : 'end' });
    // Rows are measured as they render: settle at the very edge once they are.
    requestAnimationFrame(() => {
      const element = parentRef.current;
      if (element) element.scrollTop = order === 'desc' ? 0 : element.scrollHeight;
    });
  }, [virtualizer, events.length, order]);
  const { newCount, showNewest } = useFollow({
    scroller: parentRef,
    count: events.length,
    edge: order === 'desc' ? 'start' : 'end',
    follow,
    toEdge,
    keepPlace: (added) => {
      const element = parentRef.current;
      if (element) element.scrollTop += added * ESTIMATED_ROW;
    },
  });

  // Oldest first opens at the newest events (the end) when following; a highlighted position is scrolled to.
  const highlightIndex = highlight === undefined ? -1 : events.findIndex((event) => event.streamPosition === highlight);
  const scrolledTo = useRef<number | null>(null);
  useEffect(() => {
    if (highlightIndex < 0 || scrolledTo.current === highlightIndex) return;
    scrolledTo.current = highlightIndex;
    virtualizer.scrollToIndex(highlightIndex, { align: 'center' });
  }, [highlightIndex, virtualizer]);

  if (events.length === 0) return <p className="empty">No events in this stream yet.</p>;
  return (
    <div className="event-list-wrap">
      {newCount > 0 ? (
        <button type="button" className="new-events" onClick={showNewest} data-testid="new-events">
          {newCount} new event{newCount === 1 ? '' : 's'} {order === 'desc' ? '↑' : '↓'}
        </button>
      ) : null}
      <div ref={parentRef} className="event-list" role="region" aria-label={label} tabIndex={0} data-testid="event-list">
        <ol style={{ height: virtualizer.getTotalSize(), position: 'relative' }} aria-rowcount={events.length}>
          {virtualizer.getVirtualItems().map((item) => {
            const event = events[item.index]!;
            return (
              <li
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className={`event-row${item.index === highlightIndex ? ' highlighted' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${item.start}px)` }}
                data-testid="event-row"
              >
                <div className="event-head">
                  <strong className="event-type">{event.type}</strong>
                  <span>
                    position <span data-testid="stream-position">{event.streamPosition}</span>
                  </span>
                  <span>global {event.globalPosition ?? <span title="Not sequenced in the store's global order yet">pending</span>}</span>
                  <time dateTime={event.createdAt}>{formatTime(event.createdAt)}</time>
                  {event.schemaVersion ? <span className="muted">schema {event.schemaVersion}</span> : null}
                  <button type="button" className="link-button" onClick={() => onInspect(event)} aria-label={`Inspect event at position ${event.streamPosition}`}>
                    Inspect
                  </button>
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
    </div>
  );
}
