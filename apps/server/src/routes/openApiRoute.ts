import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { headersTooLargeErrorSchema } from '@eventlane/contracts';

/**
 * Collects every route's zod schemas (the ones that validate and serialise it) into an
 * OpenAPI 3.1 document. Register before the routes: it learns them through `onRoute`.
 */
export function registerOpenApi(server: FastifyInstance): void {
  void server.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Eventlane',
        version: '0.1.0',
        description:
          'An offline-first event store. Every /api route takes an API key in `X-API-Key` or ' +
          '`Authorization: Bearer`. Typed reads, administration and live tails are also offered over tRPC at /trpc.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: (document) =>
      // tRPC has its own typed contract (AppRouter); its catch-all HTTP routes are not REST routes.
      document.url.startsWith('/trpc') ? { schema: { hide: true }, url: document.url } : jsonSchemaTransform(document),
    transformObject: (input) => withHeadersTooLarge(jsonSchemaTransformObject(input)),
  });
}

/** Node's HTTP parser answers 431 before any route runs (http/clientErrors.ts), so every operation may. */
function withHeadersTooLarge<T>(document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, { responses?: Record<string, unknown> }>> }).paths ?? {};
  const { $schema: _, ...schema } = z.toJSONSchema(headersTooLargeErrorSchema, { target: 'draft-2020-12' });
  const answer = { description: 'The request headers are larger than 16 KiB', content: { 'application/json': { schema } } };
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      if (operation.responses) operation.responses['431'] ??= answer;
    }
  }
  return document;
}

/** `GET /openapi.json` (no key needed). */
export function registerOpenApiRoute(server: FastifyInstance): void {
  server.withTypeProvider<ZodTypeProvider>().get(
    '/openapi.json',
    {
      schema: {
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI 3.1 document',
        tags: ['meta'],
        // Served without a key: the document's global requirement does not apply here.
        security: [],
        response: { 200: openApiDocumentSchema },
      },
    },
    async () => server.swagger() as z.infer<typeof openApiDocumentSchema>,
  );
}

/** Just enough to document the document; loose, so the serializer keeps every field. */
const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
