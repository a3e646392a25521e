import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  eventStoreParamsSchema,
  eventsPageResponseSchema,
  globalEventsPageResponseSchema,
  makeListStreamsOfTypeQuerySchema,
  makeListStreamsQuerySchema,
  makeReadStoreEventsQuerySchema,
  makeReadStreamEventsQuerySchema,
  makeSearchStoreEventsQuerySchema,
  searchStoreEventsResponseSchema,
  streamReadParamsSchema,
  streamResponseSchema,
  streamTypeParamsSchema,
  streamsPageResponseSchema,
} from '@eventlane/contracts';
import type { HandlerDeps } from '../handlers/deps.js';
import {
  readStoreEvents,
  readStoreEventsJson,
  readStreamEvents,
  readStreamEventsJson,
  readWholeStream,
  readWholeStreamJson,
} from '../handlers/events.js';
import { searchStoreEvents } from '../handlers/search.js';
import { listStreams } from '../handlers/streams.js';
import { readErrorResponses } from './errorResponses.js';

/**
 * Answers JSON text as it is: Fastify's serializer (and the zod response check) run on objects
 * only. The route's response schema still documents the shape; the text is built to it (eventsJson.ts).
 */
function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

/**
 * Reads of streams and events: the same handlers as the tRPC `streams` and `events` routers. The
 * event reads answer JSON text with the stored data spliced in when the storage can read it so
 * (`storage.jsonText`: both adapters), and the parsed page otherwise.
 */
export function registerReadRoutes(server: FastifyInstance, deps: HandlerDeps): void {
  const app = server.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/event-stores/:eventStoreName/streams/:streamId',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'readStream',
        summary: 'Read a whole stream',
        description:
          'All events of a stream with its version; a missing stream is empty at version 0. A stream of more than ' +
          '1000 events answers 400 STREAM_TOO_LARGE: read it in pages from .../events.',
        tags: ['streams'],
        params: streamReadParamsSchema,
        response: { 200: streamResponseSchema, ...readErrorResponses },
      },
    },
    async (request, reply) => {
      const json = await readWholeStreamJson(deps, request.auth!, request.params);
      return json === null ? readWholeStream(deps, request.auth!, request.params) : sendJson(reply, json);
    },
  );

  app.get(
    '/api/event-stores/:eventStoreName/streams/:streamId/events',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'readStreamEvents',
        summary: "Read a stream's events in pages",
        description: 'fromPosition/toPosition are stream positions (0-based), inclusive; type may repeat.',
        tags: ['streams'],
        params: streamReadParamsSchema,
        querystring: makeReadStreamEventsQuerySchema(deps.limits),
        response: { 200: eventsPageResponseSchema, ...readErrorResponses },
      },
    },
    async (request, reply) => {
      const input = { ...request.params, ...request.query };
      const json = await readStreamEventsJson(deps, request.auth!, input);
      return json === null ? readStreamEvents(deps, request.auth!, input) : sendJson(reply, json);
    },
  );

  app.get(
    '/api/event-stores/:eventStoreName/events',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'readStoreEvents',
        summary: "Read a store's events in global order",
        description:
          'fromPosition/toPosition are global positions, inclusive. A catch-up reader that asks for ' +
          'fromPosition = last seen + 1 never skips an event and never sees one twice, even while writers commit.',
        tags: ['events'],
        params: eventStoreParamsSchema,
        querystring: makeReadStoreEventsQuerySchema(deps.limits),
        response: { 200: globalEventsPageResponseSchema, ...readErrorResponses },
      },
    },
    async (request, reply) => {
      const input = { ...request.params, ...request.query };
      const json = await readStoreEventsJson(deps, request.auth!, input);
      return json === null ? readStoreEvents(deps, request.auth!, input) : sendJson(reply, json);
    },
  );

  app.get(
    '/api/event-stores/:eventStoreName/events/search',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'searchStoreEvents',
        summary: "Search a store's events (the explorer)",
        description:
          'Filters over the global order: type (may repeat), streamType, streamIdPattern (a glob: "*" any run, "?" one ' +
          'character), createdFrom (inclusive) and createdTo (exclusive) as ISO 8601 instants (a reversed range matches nothing), ' +
          'metadataKey and metadataValue (a top-level metadata field equal to this text, a non-string value compared as its ' +
          'JSON; a key alone: events that have the field; a value alone: in any top-level field), transactionId. ' +
          'The scan is bounded: it returns at most `limit` matches and examines at most `scanLimit` events, starting at ' +
          '`position` (inclusive; newest first by default, from the head). `scan.nextPosition` is where the next request ' +
          'goes on (pass it as `position`); null once the scan reached the end of the store in its direction.',
        tags: ['events'],
        params: eventStoreParamsSchema,
        querystring: makeSearchStoreEventsQuerySchema(deps.limits),
        response: { 200: searchStoreEventsResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => searchStoreEvents(deps, request.auth!, { ...request.params, ...request.query }),
  );

  app.get(
    '/api/event-stores/:eventStoreName/streams',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'listStreams',
        summary: 'List streams',
        description: 'streamIdPattern is a glob: "*" any run of characters, "?" one character (user-*).',
        tags: ['streams'],
        params: eventStoreParamsSchema,
        querystring: makeListStreamsQuerySchema(deps.limits),
        response: { 200: streamsPageResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => listStreams(deps, request.auth!, { ...request.params, ...request.query }),
  );

  app.get(
    '/api/event-stores/:eventStoreName/stream-types/:streamType/streams',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'listStreamsOfType',
        summary: 'List streams of one type',
        tags: ['streams'],
        params: streamTypeParamsSchema,
        querystring: makeListStreamsOfTypeQuerySchema(deps.limits),
        response: { 200: streamsPageResponseSchema, ...readErrorResponses },
      },
    },
    async (request) => listStreams(deps, request.auth!, { ...request.params, ...request.query }),
  );
}
