import type { Limits } from '@eventlane/contracts';
import type { Scope, Storage } from '@eventlane/store';
import type { AuthContext } from '../http/auth.js';
import { eventStoreNotFound, invalidRequest } from '../http/errors.js';
import type { WebhookDispatcher } from '../webhooks/webhookDispatcher.js';

/** What every handler needs; REST routes and tRPC procedures pass the same. */
export interface HandlerDeps {
  storage: Storage;
  limits: Limits;
  /** Webhook delivery of this server: told about changes made through it. */
  webhooks: WebhookDispatcher;
}

/** The organization always comes from the key, never from the request. */
export function scopeOf(auth: AuthContext, eventStoreName: string): Scope {
  return { org: auth.organizationId, store: eventStoreName };
}

/**
 * Throws EVENT_STORE_NOT_FOUND unless the organization has this store. A store with events is
 * found by the cheap head lookup; an empty, missing or other organization's store all take the
 * same second lookup, so another organization's store answers exactly like a missing one.
 */
export async function ensureEventStore(storage: Storage, scope: Scope): Promise<void> {
  if ((await storage.headGlobalPosition(scope)) >= 0) return;
  if ((await storage.getStore(scope)) === null) throw eventStoreNotFound();
}

/**
 * The server's configured page size. REST validates it in the query schema; tRPC inputs are
 * built once for the shared router type with the default limits, so the configured one is
 * checked here too.
 */
export function checkPageSize(limits: HandlerDeps['limits'], input: { limit: number }): void {
  if (input.limit > limits.maxPageSize) {
    throw invalidRequest([{ code: 'too_big', message: `limit must be at most ${limits.maxPageSize}`, path: ['limit'] }]);
  }
}
