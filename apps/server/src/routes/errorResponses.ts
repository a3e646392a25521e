import { z } from 'zod';
import {
  codedErrorSchema,
  forbiddenErrorSchema,
  internalErrorSchema,
  invalidRequestErrorSchema,
  serviceUnavailableErrorSchema,
  tooManyRequestsErrorSchema,
  unauthorizedErrorSchema,
} from '@eventlane/contracts';

/** The error answers every read and administration route may give (documented in the OpenAPI document). */
export const readErrorResponses = {
  400: z.union([invalidRequestErrorSchema, codedErrorSchema]),
  401: unauthorizedErrorSchema,
  403: forbiddenErrorSchema,
  404: codedErrorSchema,
  429: tooManyRequestsErrorSchema,
  500: internalErrorSchema,
  503: serviceUnavailableErrorSchema,
};
