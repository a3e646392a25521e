import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  appendResponseSchema,
  duplicateEventIdErrorSchema,
  eventStoreNameSchema,
  forbiddenErrorSchema,
  internalErrorSchema,
  invalidRequestErrorSchema,
  payloadTooLargeErrorSchema,
  serviceUnavailableErrorSchema,
  streamIdSchema,
  tooManyRequestsErrorSchema,
  unauthorizedErrorSchema,
  versionConflictErrorSchema,
  type Limits,
} from '@eventlane/contracts';
import type { EventStore } from '@eventlane/store';
import { appendBodyValidator } from '../http/appendBodyValidator.js';
import { fastJsonSerializerCompiler } from '../http/fastSerializer.js';

export const streamParamsSchema = z.strictObject({
  eventStoreName: eventStoreNameSchema,
  streamId: streamIdSchema,
});

/** `POST /api/event-stores/{eventStoreName}/streams/{streamId}`: the published append endpoint. */
export function registerAppendRoute(server: FastifyInstance, store: EventStore, limits: Limits): void {
  const body = appendBodyValidator(limits);
  server.withTypeProvider<ZodTypeProvider>().post(
    '/api/event-stores/:eventStoreName/streams/:streamId',
    {
      config: { scope: 'append' },
      // The hot path: the body through a compiled check (zod when it says no), the answer through
      // fast-json-stringify. Same schemas, same OpenAPI, same error bodies.
      validatorCompiler: body.validatorCompiler,
      serializerCompiler: fastJsonSerializerCompiler,
      schema: {
        operationId: 'appendToStream',
        summary: 'Append events to a stream',
        description:
          'Appends one or more events to a stream atomically, with optimistic concurrency through options.expectedStreamVersion.',
        tags: ['events'],
        params: streamParamsSchema,
        body: body.schema,
        response: {
          200: appendResponseSchema,
          400: invalidRequestErrorSchema,
          401: unauthorizedErrorSchema,
          403: forbiddenErrorSchema,
          409: z.union([versionConflictErrorSchema, duplicateEventIdErrorSchema]),
          413: payloadTooLargeErrorSchema,
          429: tooManyRequestsErrorSchema,
          500: internalErrorSchema,
          503: serviceUnavailableErrorSchema,
        },
      },
    },
    async (request) => {
      const { eventStoreName, streamId } = request.params;
      const result = await store.append(
        { org: request.auth!.organizationId, store: eventStoreName },
        streamId,
        request.body.events,
        { expectedStreamVersion: request.body.options?.expectedStreamVersion },
      );
      return { success: true as const, ...result };
    },
  );
}
