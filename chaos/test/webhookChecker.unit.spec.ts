import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkWebhookDeliveries, type CheckedSubscription, type Receipt, type StoreEvent } from '../src/webhookChecker';

const events: StoreEvent[] = Array.from({ length: 6 }, (_, i) => ({ eventId: `e${i}`, globalPosition: i, type: i % 2 === 0 ? 'order.placed' : 'note.added', streamId: 'order-1' }));
const subscription: CheckedSubscription = { subscriptionId: 'sub_1', secret: 'whsec_s', batchSize: 2, matches: (e) => e.type.startsWith('order.') };

let clock = 1000;
function receipt(deliveryId: string, positions: number[], answered: number | null, overrides: Partial<Receipt> = {}): Receipt {
  const body = JSON.stringify({ subscriptionId: 'sub_1', deliveryId, events: positions.map((p) => events[p]) });
  const t = 1_700_000_000;
  const v1 = createHmac('sha256', 'whsec_s').update(`${t}.${body}`).digest('hex');
  clock += 10;
  return {
    subscriptionHeader: 'sub_1',
    deliveryHeader: deliveryId,
    signatureHeader: `t=${t},v1=${v1}`,
    rawBody: body,
    subscriptionId: 'sub_1',
    deliveryId,
    events: positions.map((p) => events[p]!),
    receivedAt: clock,
    answered,
    answeredAt: answered === null ? null : clock + 1,
    ...overrides,
  };
}
const kinds = (receipts: Receipt[], kills: number[] = []) => checkWebhookDeliveries({ events, subscriptions: [subscription], receipts, kills }).violations.map((v) => v.kind);

describe('webhook delivery checker', () => {
  it('accepts a clean history with a retried batch', () => {
    expect(kinds([receipt('d1', [0, 2], 500), receipt('d1', [0, 2], 200), receipt('d2', [4], 200)])).toEqual([]);
  });
  it('finds a missing event, a non-matching one, a bad signature and wrong headers', () => {
    expect(kinds([receipt('d1', [0, 2], 200)])).toEqual(['missing']);
    expect(kinds([receipt('d1', [0, 1], 200), receipt('d2', [2, 4], 200)])).toEqual(['not-matching']);
    const forged = receipt('d1', [0, 2], 200);
    expect(kinds([{ ...forged, signatureHeader: forged.signatureHeader!.replace(/v1=./, 'v1=0') }, receipt('d2', [4], 200)])).toContain('signature');
    expect(kinds([receipt('d1', [0, 2], 200, { deliveryHeader: 'd9' }), receipt('d2', [4], 200)])).toContain('headers');
  });
  it('finds batches out of order, too big, changed on retry, or sent past a failure', () => {
    expect(kinds([receipt('d1', [2, 4], 200), receipt('d2', [0], 200)])).toContain('order');
    expect(kinds([receipt('d1', [0, 2, 4], 200)])).toContain('batch-too-big');
    expect(kinds([receipt('d1', [0, 2], 500), receipt('d1', [0], 200), receipt('d2', [2, 4], 200)])).toContain('batch-changed');
    expect(kinds([receipt('d1', [0, 2], 500), receipt('d2', [4], 200), receipt('d1', [0, 2], 200)])).toContain('past-a-failure');
  });
  it('allows a duplicate only of the last acknowledged batch before a kill', () => {
    const first = receipt('d1', [0, 2], 200);
    const killAt = clock + 5;
    clock += 20;
    expect(kinds([first, receipt('d2', [0, 2], 200), receipt('d3', [4], 200)], [killAt])).toEqual([]);
    // Without a kill, the same acknowledged events sent again is a violation.
    expect(kinds([receipt('d1', [0, 2], 200), receipt('d2', [0, 2], 200), receipt('d3', [4], 200)])).toContain('duplicate-not-in-flight');
    // Nor when another batch was acknowledged between it and the kill.
    const a = receipt('d1', [0], 200);
    const b = receipt('d2', [2], 200);
    const kill = clock + 5;
    clock += 20;
    expect(kinds([a, b, receipt('d3', [0, 2], 200), receipt('d4', [4], 200)], [kill])).toContain('duplicate-not-in-flight');
  });
});
