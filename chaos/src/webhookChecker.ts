import { createHmac, timingSafeEqual } from 'node:crypto';

/** An event of the store, as read back after the run. */
export interface StoreEvent {
  eventId: string;
  globalPosition: number;
  type: string;
  streamId: string;
}

export interface CheckedSubscription {
  subscriptionId: string;
  secret: string;
  batchSize: number;
  /** Whether the subscription's filters let this event through. */
  matches: (event: StoreEvent) => boolean;
}

/** One request the receiver got. */
export interface Receipt {
  subscriptionHeader: string | undefined;
  deliveryHeader: string | undefined;
  signatureHeader: string | undefined;
  rawBody: string;
  subscriptionId: string;
  deliveryId: string;
  events: StoreEvent[];
  receivedAt: number;
  /** The status the receiver answered (null: no answer, the connection was dropped or the sender gave up). */
  answered: number | null;
  answeredAt: number | null;
}

export interface WebhookViolation {
  kind:
    | 'missing'
    | 'not-matching'
    | 'order'
    | 'signature'
    | 'headers'
    | 'batch-changed'
    | 'batch-too-big'
    | 'past-a-failure'
    | 'duplicate-not-in-flight';
  message: string;
}

export interface WebhookCheck {
  violations: WebhookViolation[];
  /** Per subscription: matching events, distinct events acknowledged, acknowledged deliveries beyond the first, requests. */
  perSubscription: Array<{ subscriptionId: string; matching: number; delivered: number; duplicates: number; requests: number; failedRequests: number }>;
}

const acknowledged = (r: Receipt) => r.answered !== null && r.answered >= 200 && r.answered < 300;

function verifySignature(rawBody: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('='))) as { t?: string; v1?: string };
  if (!parts.t || !parts.v1) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${rawBody}`).digest('hex');
  return parts.v1.length === expected.length && timingSafeEqual(Buffer.from(parts.v1), Buffer.from(expected));
}

/**
 * Every delivery invariant of issue 12, over what a receiver saw during a crash storm:
 * every matching event acknowledged at least once; no non-matching event ever sent; first
 * acknowledgements in global order; every signature valid and the headers right; a delivery id
 * always carries the same events, at most batchSize; nothing sent past a failed batch before it
 * succeeded; and an event acknowledged twice only when its first acknowledgement was the last one
 * of its subscription before a server kill (the batch in flight, whose position was not stored).
 */
export function checkWebhookDeliveries(input: {
  events: StoreEvent[];
  subscriptions: CheckedSubscription[];
  receipts: Receipt[];
  kills: number[];
}): WebhookCheck {
  const violations: WebhookViolation[] = [];
  const add = (kind: WebhookViolation['kind'], message: string) => {
    if (violations.length < 200) violations.push({ kind, message });
  };
  const perSubscription: WebhookCheck['perSubscription'] = [];
  const kills = [...input.kills].sort((a, b) => a - b);

  for (const subscription of input.subscriptions) {
    const id = subscription.subscriptionId;
    const receipts = input.receipts.filter((r) => r.subscriptionId === id).sort((a, b) => a.receivedAt - b.receivedAt);
    const matching = input.events.filter(subscription.matches);
    const matchingIds = new Set(matching.map((e) => e.eventId));

    const batches = new Map<string, string>();
    for (const r of receipts) {
      if (r.subscriptionHeader !== id || r.deliveryHeader !== r.deliveryId) add('headers', `${id}: headers ${r.subscriptionHeader}/${r.deliveryHeader} for body ${id}/${r.deliveryId}`);
      if (!verifySignature(r.rawBody, r.signatureHeader, subscription.secret)) add('signature', `${id}: delivery ${r.deliveryId} has a signature that does not verify`);
      if (r.events.length > subscription.batchSize) add('batch-too-big', `${id}: delivery ${r.deliveryId} has ${r.events.length} events (batchSize ${subscription.batchSize})`);
      for (const e of r.events) if (!matchingIds.has(e.eventId)) add('not-matching', `${id}: event ${e.globalPosition} (${e.type} on ${e.streamId}) does not match the filters`);
      for (let i = 1; i < r.events.length; i++) {
        if (r.events[i]!.globalPosition <= r.events[i - 1]!.globalPosition) add('order', `${id}: delivery ${r.deliveryId} is not in global order`);
      }
      const content = r.events.map((e) => e.eventId).join(',');
      const earlier = batches.get(r.deliveryId);
      if (earlier !== undefined && earlier !== content) add('batch-changed', `${id}: delivery ${r.deliveryId} was retried with other events`);
      batches.set(r.deliveryId, content);
    }

    // Nothing past a failure: the request after a failed one starts with the same event.
    for (let i = 0; i + 1 < receipts.length; i++) {
      const failed = receipts[i]!;
      if (acknowledged(failed)) continue;
      const next = receipts[i + 1]!;
      if (next.events[0]?.globalPosition !== failed.events[0]?.globalPosition) {
        add('past-a-failure', `${id}: after delivery ${failed.deliveryId} failed (from ${failed.events[0]?.globalPosition}) came one from ${next.events[0]?.globalPosition}`);
      }
    }

    // First acknowledgements in global order; duplicates only of the batch in flight at a kill.
    const acks = receipts.filter(acknowledged).sort((a, b) => a.answeredAt! - b.answeredAt!);
    const firstAck = new Map<string, Receipt>();
    let lastFirst = -1;
    let duplicates = 0;
    for (const r of acks) {
      for (const e of r.events) {
        const first = firstAck.get(e.eventId);
        if (!first) {
          firstAck.set(e.eventId, r);
          if (e.globalPosition <= lastFirst) add('order', `${id}: event ${e.globalPosition} first acknowledged after event ${lastFirst}`);
          lastFirst = Math.max(lastFirst, e.globalPosition);
          continue;
        }
        duplicates += 1;
        // The kill after the first acknowledgement; no other acknowledgement of this subscription in between.
        const kill = kills.find((k) => k >= first.answeredAt!);
        const laterAck = acks.find((a) => a !== first && a.answeredAt! > first.answeredAt! && (kill === undefined || a.answeredAt! < kill));
        if (kill === undefined || (laterAck && laterAck.deliveryId !== first.deliveryId) || kill > r.receivedAt) {
          add('duplicate-not-in-flight', `${id}: event ${e.globalPosition} acknowledged again in ${r.deliveryId} though ${first.deliveryId} was not the batch in flight at a kill`);
        }
      }
    }
    for (const e of matching) if (!firstAck.has(e.eventId)) add('missing', `${id}: matching event ${e.globalPosition} (${e.type} on ${e.streamId}) never acknowledged`);
    perSubscription.push({
      subscriptionId: id,
      matching: matching.length,
      delivered: firstAck.size,
      duplicates,
      requests: receipts.length,
      failedRequests: receipts.filter((r) => !acknowledged(r)).length,
    });
  }
  return { violations, perSubscription };
}
