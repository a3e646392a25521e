import { randomUUID } from 'node:crypto';

/** The store every benchmark writes to, and the organization its key belongs to. */
export const BENCH_ORG = 'bench';
export const BENCH_STORE = 'bench';

let sequence = 0;
const runTag = Date.now().toString(36);

/** A stream id no other request of this process (or an earlier run on the same data) has used. */
export function uniqueStreamId(prefix = 'order'): string {
  sequence += 1;
  return `${prefix}-${runTag}-${sequence}`;
}

/** One event as a client would send it: a small order payload (~150 bytes of JSON) and its own id. */
export function makeEvent(i = 0): { type: string; data: Record<string, unknown>; metadata: Record<string, unknown>; eventId: string } {
  return {
    type: 'order.placed',
    data: { orderId: `o-${i}`, customerId: 'c-42', total: 12.5 + i, currency: 'EUR', lines: [{ sku: 'sku-1', qty: 2 }] },
    metadata: { correlationId: 'bench' },
    eventId: randomUUID(),
  };
}

export function makeEvents(count: number): ReturnType<typeof makeEvent>[] {
  return Array.from({ length: count }, (_, i) => makeEvent(i));
}

/** The REST append body for a new stream: `count` events, expecting the stream not to exist. */
export function appendBody(count: number): string {
  return JSON.stringify({ events: makeEvents(count), options: { expectedStreamVersion: 'no_stream' } });
}

export function appendPath(streamId: string, store = BENCH_STORE): string {
  return `/api/event-stores/${store}/streams/${encodeURIComponent(streamId)}`;
}
