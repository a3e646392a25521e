import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import type { ZodValidationError } from './errors.js';

/**
 * Validates with zod and keeps the zod issues (typed paths, codes) on the error, so 400 bodies can
 * carry the issue list exactly; fastify adds which part (`params`, `querystring`, `body`) failed.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    const error = new Error('Request validation failed') as ZodValidationError;
    error.zodIssues = result.error.issues;
    return { error };
  };
