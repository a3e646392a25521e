import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  codedErrorSchema,
  createSubscriptionRequestSchema,
  createdSubscriptionSchema,
  deleteSubscriptionResponseSchema,
  deliveriesResponseSchema,
  eventStoreParamsSchema,
  listDeliveriesQuerySchema,
  makeListSubscriptionsQuerySchema,
  replaySubscriptionRequestSchema,
  subscriptionParamsSchema,
  subscriptionSchema,
  subscriptionsPageResponseSchema,
  updateSubscriptionRequestSchema,
} from '@eventlane/contracts';
import type { HandlerDeps } from '../handlers/deps.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  replaySubscription,
  updateSubscription,
} from '../handlers/subscriptions.js';
import { readErrorResponses } from './errorResponses.js';

const DELIVERY =
  'Delivery: POST url with {subscriptionId, eventStoreName, deliveryId, events} (events in global order) and the headers ' +
  'x-eventlane-subscription, x-eventlane-delivery (the same on every retry of a batch) and ' +
  'x-eventlane-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with the secret>. Any 2xx delivers; ' +
  'anything else, a timeout or a network error is retried with backoff, at least once and in order.';

/** `/api/event-stores/{name}/subscriptions`: webhook subscriptions (issue 12), the same handlers as the tRPC `subscriptions` router. */
export function registerSubscriptionRoutes(server: FastifyInstance, deps: HandlerDeps): void {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['subscriptions'];
  const base = '/api/event-stores/:eventStoreName/subscriptions';

  app.post(
    base,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'createSubscription',
        summary: 'Create a webhook subscription',
        description:
          'Answers the subscription with its signing secret (`whsec_…`), shown only here. A url whose host resolves to a loopback, ' +
          'private or link-local address is refused (400 WEBHOOK_URL_NOT_ALLOWED) unless the server allows private networks. ' +
          DELIVERY,
        tags,
        params: eventStoreParamsSchema,
        body: createSubscriptionRequestSchema,
        response: { 201: createdSubscriptionSchema, ...readErrorResponses, 409: codedErrorSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await createSubscription(deps, request.auth!, { ...request.params, ...request.body })),
  );

  app.get(
    base,
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'listSubscriptions',
        summary: "List a store's webhook subscriptions",
        tags,
        params: eventStoreParamsSchema,
        querystring: makeListSubscriptionsQuerySchema(deps.limits),
        response: { 200: subscriptionsPageResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => listSubscriptions(deps, request.auth!, { ...request.params, ...request.query }),
  );

  app.get(
    `${base}/:subscriptionId`,
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'getSubscription',
        summary: 'Describe a webhook subscription',
        description: 'Status, position, lag, last delivery and last error; never the secret.',
        tags,
        params: subscriptionParamsSchema,
        response: { 200: subscriptionSchema, ...readErrorResponses },
      },
    },
    async (request) => getSubscription(deps, request.auth!, request.params),
  );

  app.patch(
    `${base}/:subscriptionId`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'updateSubscription',
        summary: 'Pause, resume or change a webhook subscription',
        description: 'null clears a filter or the description. A new url, filter or batch size applies from the next batch.',
        tags,
        params: subscriptionParamsSchema,
        body: updateSubscriptionRequestSchema,
        response: { 200: subscriptionSchema, ...readErrorResponses },
      },
    },
    async (request) => updateSubscription(deps, request.auth!, { ...request.params, ...request.body }),
  );

  app.post(
    `${base}/:subscriptionId/replay`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'replaySubscription',
        summary: 'Deliver again from a global position',
        tags,
        params: subscriptionParamsSchema,
        body: replaySubscriptionRequestSchema,
        response: { 200: subscriptionSchema, ...readErrorResponses },
      },
    },
    async (request) => replaySubscription(deps, request.auth!, { ...request.params, ...request.body }),
  );

  app.delete(
    `${base}/:subscriptionId`,
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'deleteSubscription',
        summary: 'Delete a webhook subscription',
        tags,
        params: subscriptionParamsSchema,
        response: { 200: deleteSubscriptionResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => deleteSubscription(deps, request.auth!, request.params),
  );

  app.get(
    `${base}/:subscriptionId/deliveries`,
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'listSubscriptionDeliveries',
        summary: "A subscription's latest delivery attempts",
        tags,
        params: subscriptionParamsSchema,
        querystring: listDeliveriesQuerySchema,
        response: { 200: deliveriesResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => listDeliveries(deps, request.auth!, { ...request.params, ...request.query }),
  );
}
