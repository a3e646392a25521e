import type { FastifySerializerCompiler } from 'fastify';
import fastJson, { type AnySchema } from 'fast-json-stringify';
import { z } from 'zod';

/**
 * Fastify's schema-based serializer (fast-json-stringify) for a route's responses, compiled once
 * from the JSON Schema of the route's zod response schema, so zod stays the one source of the
 * shape. Used by the append route (the hot path), where it replaces the zod serializer's
 * `encode` + `JSON.stringify` (about 3 µs per answer in a warm loop, 0.04 µs this way).
 *
 * What changes against the zod serializer: a handler's answer is no longer *validated* before it
 * goes out. Properties the schema does not declare are still left out (both drop them), so nothing
 * leaks; a wrong type is coerced (an integer field holding 1.5 is written 1) instead of turned
 * into a 500. Only routes whose handlers build their answer from typed storage results use it.
 * Error bodies are not affected: `sendError` sends them as text.
 */
export const fastJsonSerializerCompiler: FastifySerializerCompiler<unknown> = ({ schema }) =>
  fastJson(z.toJSONSchema(schema as z.ZodType, { target: 'draft-07', io: 'output' }) as AnySchema);
