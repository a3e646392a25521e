import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  codedErrorSchema,
  createEventStoreRequestSchema,
  deleteEventStoreQuerySchema,
  deleteEventStoreResponseSchema,
  eventStoreCreatedResponseSchema,
  eventStoreDetailsResponseSchema,
  eventStoreParamsSchema,
  eventStoresPageResponseSchema,
  makeListEventStoresQuerySchema,
  type Limits,
} from '@eventlane/contracts';
import type { HandlerDeps } from '../handlers/deps.js';
import { createEventStore, deleteEventStore, getEventStore, listEventStores } from '../handlers/eventStores.js';
import { readErrorResponses } from './errorResponses.js';

/** `/api/event-stores`: create, list, describe and delete the organization's stores. */
export function registerEventStoreRoutes(server: FastifyInstance, deps: HandlerDeps & { limits: Limits }): void {
  const app = server.withTypeProvider<ZodTypeProvider>();
  const tags = ['event stores'];

  app.post(
    '/api/event-stores',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'createEventStore',
        summary: 'Create an event store',
        description: 'Creates an empty store; a store is also created by its first append.',
        tags,
        body: createEventStoreRequestSchema,
        response: { 201: eventStoreCreatedResponseSchema, ...readErrorResponses, 409: codedErrorSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await createEventStore(deps, request.auth!, request.body)),
  );

  app.get(
    '/api/event-stores',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'listEventStores',
        summary: 'List event stores',
        tags,
        querystring: makeListEventStoresQuerySchema(deps.limits),
        response: { 200: eventStoresPageResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => listEventStores(deps, request.auth!, request.query),
  );

  app.get(
    '/api/event-stores/:eventStoreName',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'getEventStore',
        summary: 'Describe an event store with statistics',
        tags,
        params: eventStoreParamsSchema,
        response: { 200: eventStoreDetailsResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => getEventStore(deps, request.auth!, request.params),
  );

  app.delete(
    '/api/event-stores/:eventStoreName',
    {
      config: { scope: 'admin' },
      schema: {
        operationId: 'deleteEventStore',
        summary: 'Delete an event store with all its streams and events',
        description: 'Requires confirm=true; without it answers 400 CONFIRMATION_REQUIRED.',
        tags,
        params: eventStoreParamsSchema,
        querystring: deleteEventStoreQuerySchema,
        response: { 200: deleteEventStoreResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => deleteEventStore(deps, request.auth!, { ...request.params, confirm: request.query.confirm }),
  );
}
