import {
  CONFIRMATION_REQUIRED_MESSAGE,
  EVENT_STORE_DELETED_MESSAGE,
  type CreateEventStoreRequest,
  type EventStoreCreatedResponse,
  type EventStoreDetailsResponse,
  type EventStoresPageResponse,
} from '@eventlane/contracts';
import type { AuthContext } from '../http/auth.js';
import { codedError, eventStoreNotFound } from '../http/errors.js';
import { checkPageSize, ensureEventStore, scopeOf, type HandlerDeps } from './deps.js';

const eventStoreId = (auth: AuthContext, name: string) => `${auth.organizationId}:${name}`;

/** `POST /api/event-stores` · `eventStores.create` */
export async function createEventStore(
  { storage }: HandlerDeps,
  auth: AuthContext,
  input: CreateEventStoreRequest,
): Promise<EventStoreCreatedResponse> {
  const created = await storage.createStore(scopeOf(auth, input.name), { description: input.description ?? null });
  return { eventStoreId: eventStoreId(auth, created.eventStoreName), ...created };
}

/** `GET /api/event-stores` · `eventStores.list` */
export async function listEventStores(
  { storage, limits }: HandlerDeps,
  auth: AuthContext,
  page: { limit: number; offset: number },
): Promise<EventStoresPageResponse> {
  checkPageSize(limits, page);
  const result = await storage.listStores(auth.organizationId, page);
  return {
    eventStores: result.eventStores.map(({ eventStoreName, description, created }) => ({
      eventStoreName,
      description: description ?? null,
      created,
    })),
    pagination: { limit: page.limit, offset: page.offset, total: result.total, hasMore: result.hasMore },
  };
}

/** `GET /api/event-stores/{name}` · `eventStores.get` */
export async function getEventStore(
  { storage }: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string },
): Promise<EventStoreDetailsResponse> {
  const details = await storage.getStore(scopeOf(auth, input.eventStoreName));
  if (!details) throw eventStoreNotFound();
  const { eventStoreName, description, created, statistics } = details;
  // `?? null`: a store created by its first append may come back without a description field.
  return { eventStoreId: eventStoreId(auth, eventStoreName), eventStoreName, description: description ?? null, created, statistics };
}

/** `DELETE /api/event-stores/{name}?confirm=true` · `eventStores.delete`. Confirmation is checked before anything is looked up. */
export async function deleteEventStore(
  { storage, webhooks }: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string; confirm?: string | boolean },
): Promise<{ success: true; message: typeof EVENT_STORE_DELETED_MESSAGE }> {
  if (input.confirm !== true && input.confirm !== 'true') {
    throw codedError(400, 'CONFIRMATION_REQUIRED', CONFIRMATION_REQUIRED_MESSAGE);
  }
  const scope = scopeOf(auth, input.eventStoreName);
  // Subscriptions first: a crash in between leaves a store without them, never subscriptions whose
  // positions would skip the events of a store created again under the same name.
  await ensureEventStore(storage, scope);
  await storage.deleteSubscriptionsOfStore(scope);
  webhooks.removed(scope);
  if (!(await storage.deleteStore(scope))) throw eventStoreNotFound();
  return { success: true, message: EVENT_STORE_DELETED_MESSAGE };
}
