import {
  createdSubscriptionSchema,
  deleteSubscriptionResponseSchema,
  deliveriesResponseSchema,
  subscriptionSchema,
  subscriptionsPageResponseSchema,
  type CreateSubscriptionRequest,
  type SubscriptionFromPosition,
  type UpdateSubscriptionRequest,
} from '@eventlane/contracts';
import type { AdminApi } from './adminApi';

/*
 * Every call the Subscriptions tab makes, in one place, over the REST routes of issue 12 and
 * validated with the shared contracts. (The same operations are tRPC procedures `subscriptions.*`;
 * moving this module to typed tRPC changes nothing in the screen.)
 */
export function subscriptionsApi(api: Pick<AdminApi, 'request'>, store: string) {
  const base = `/api/event-stores/${encodeURIComponent(store)}/subscriptions`;
  const one = (id: string) => `${base}/${encodeURIComponent(id)}`;
  const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });
  return {
    list: () => api.request(`${base}?limit=100`, subscriptionsPageResponseSchema),
    create: (input: CreateSubscriptionRequest) => api.request(base, createdSubscriptionSchema, json('POST', input)),
    update: (id: string, patch: UpdateSubscriptionRequest) => api.request(one(id), subscriptionSchema, json('PATCH', patch)),
    replay: (id: string, fromPosition: SubscriptionFromPosition) => api.request(`${one(id)}/replay`, subscriptionSchema, json('POST', { fromPosition })),
    remove: (id: string) => api.request(one(id), deleteSubscriptionResponseSchema, { method: 'DELETE' }),
    deliveries: (id: string, limit = 50) => api.request(`${one(id)}/deliveries?limit=${limit}`, deliveriesResponseSchema),
  };
}

export const subscriptionKeys = {
  list: (store: string) => ['subscriptions', store] as const,
  deliveries: (store: string, id: string) => ['subscriptionDeliveries', store, id] as const,
};
