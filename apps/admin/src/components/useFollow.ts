import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';

const EDGE_PX = 24;

/**
 * "Follow" for a scrolling list that grows at one edge (`start` for newest first, `end` for
 * oldest first): while the reader is at that edge and following, new items are kept in view;
 * otherwise the list stays where the reader is and counts what arrived ("N new").
 */
export function useFollow(options: {
  scroller: RefObject<HTMLElement | null>;
  count: number;
  edge: 'start' | 'end';
  follow: boolean;
  /** Scrolls to the newest item. */
  toEdge(): void;
  /** Items were added at the start while the reader is elsewhere: keep what they see in place. */
  keepPlace?(added: number): void;
}): { newCount: number; atEdge: boolean; showNewest(): void } {
  const { scroller, count, edge, follow, toEdge, keepPlace } = options;
  const [newCount, setNewCount] = useState(0);
  const [atEdge, setAtEdge] = useState(true);
  const atEdgeRef = useRef(true);
  const previous = useRef(count);
  const hasItems = count > 0;

  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const distance = () => (edge === 'start' ? element.scrollTop : element.scrollHeight - element.scrollTop - element.clientHeight);
    let lastTop = element.scrollTop;
    const update = (at: boolean) => {
      atEdgeRef.current = at;
      setAtEdge(at);
      if (at) setNewCount(0);
    };
    update(distance() < EDGE_PX);
    // At the edge once the reader gets there; away only when they scroll away from it. Rows measured
    // as they render change the content's height without a scroll, which must not count as leaving.
    const onScroll = () => {
      const top = element.scrollTop;
      const movedAway = edge === 'start' ? top > lastTop : top < lastTop;
      lastTop = top;
      if (distance() < EDGE_PX) update(true);
      else if (movedAway) update(false);
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => element.removeEventListener('scroll', onScroll);
    // `hasItems`: a list shown only once it has items gets its element then.
  }, [scroller, edge, hasItems]);

  useLayoutEffect(() => {
    const added = count - previous.current;
    previous.current = count;
    if (added <= 0) return;
    if (follow && atEdgeRef.current) toEdge();
    else {
      if (edge === 'start') keepPlace?.(added);
      setNewCount((current) => current + added);
    }
    // Only a change of count decides; the callbacks are read as they are then.
  }, [count]);

  const showNewest = useCallback(() => {
    setNewCount(0);
    atEdgeRef.current = true;
    toEdge();
  }, [toEdge]);

  return { newCount, atEdge, showNewest };
}
