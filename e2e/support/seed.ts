import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { appendDirect } from './api';
import { expect } from './fixtures';

/** The 14 event types of the `orders`-like store the issue was found on (long names included). */
export const ORDER_TYPES = [
  'order.placed',
  'order.paid',
  'order.shipped',
  'order.delivered',
  'order.cancelled',
  'order.refunded',
  'customer.registered',
  'customer.tier_changed',
  'customer.address_changed',
  'inventory.reserved',
  'inventory.released',
  'inventory.restocked',
  'payment.authorised',
  'payment.captured',
] as const;

async function append(baseUrl: string, key: string, store: string, streamId: string, events: unknown[]): Promise<void> {
  const response = await appendDirect(baseUrl, key, store, streamId, { events });
  expect(response.status, await response.clone().text()).toBe(200);
}

/**
 * A store with `streams` streams of three stream types and all 14 types: order-N (placed, paid, …),
 * customer-N, inventory-N. Every order's events carry `correlationId: corr-N` in their metadata.
 * Returns the number of events written.
 */
export async function seedOrders(baseUrl: string, key: string, store: string, streams = 30): Promise<number> {
  let written = 0;
  for (let n = 1; n <= streams; n++) {
    const kind = n % 3;
    if (kind === 1) {
      const types = ORDER_TYPES.slice(0, 2 + (n % 5));
      await append(
        baseUrl,
        key,
        store,
        `order-${n}`,
        types.map((type, i) => ({ type, data: { orderId: n, step: i, lines: [{ sku: `SKU-${n}`, qty: i + 1 }] }, metadata: { correlationId: `corr-${n}`, user: 'ada' } })),
      );
      written += types.length;
    } else if (kind === 2) {
      const types = ORDER_TYPES.slice(6, 9);
      await append(baseUrl, key, store, `customer-${n}`, types.map((type) => ({ type, data: { customerId: n, tier: 'gold' } })));
      written += types.length;
    } else {
      const types = [...ORDER_TYPES.slice(9, 14), ORDER_TYPES[5]];
      await append(baseUrl, key, store, `inventory-${n}`, types.map((type, i) => ({ type, data: { sku: `SKU-${n}`, qty: i }, schemaVersion: '2' })));
      written += types.length;
    }
  }
  return written;
}

/** `count` events on `streams` streams, in appends of up to 1000. */
export async function seedMany(baseUrl: string, key: string, store: string, count: number, streams = 10): Promise<void> {
  let left = count;
  let batch = 0;
  while (left > 0) {
    const size = Math.min(1000, left);
    const stream = `sensor-${batch % streams}`;
    await append(baseUrl, key, store, stream, Array.from({ length: size }, (_, i) => ({ type: i % 10 === 0 ? 'Calibrated' : 'Reading', data: { n: count - left + i } })));
    left -= size;
    batch++;
  }
}

const DOCS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/**
 * With `UPDATE_SCREENSHOTS=1`, copies a screenshot into docs/screenshots/ (the README's pictures);
 * a normal run leaves the tracked files alone.
 */
export async function docsScreenshot(page: Page, name: string, path: string): Promise<void> {
  if (process.env.UPDATE_SCREENSHOTS !== '1') return;
  await page.waitForTimeout(0);
  mkdirSync(DOCS, { recursive: true });
  copyFileSync(path, `${DOCS}${name}.png`);
}
