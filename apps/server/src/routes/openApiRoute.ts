import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

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
    transformObject: jsonSchemaTransformObject,
  });
}

/** `GET /openapi.json` (no key needed). */
export function registerOpenApiRoute(server: FastifyInstance): void {
  server.withTypeProvider<ZodTypeProvider>().get(
    '/openapi.json',
    {
      schema: { operationId: 'getOpenApiDocument', summary: 'This OpenAPI 3.1 document', tags: ['meta'], response: { 200: openApiDocumentSchema } },
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
