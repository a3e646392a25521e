import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { systemInfoSchema, type SystemInfo } from '@eventlane/contracts';
import { readErrorResponses } from './errorResponses.js';

/** `GET /api/system`: the same answer as the tRPC `system.info` procedure. */
export function registerSystemRoutes(server: FastifyInstance, systemInfo: () => Promise<SystemInfo>): void {
  const { 400: _badRequest, 404: _notFound, ...errors } = readErrorResponses;
  server.withTypeProvider<ZodTypeProvider>().get(
    '/api/system',
    {
      config: { scope: 'read' },
      schema: {
        operationId: 'getSystemInfo',
        summary: 'This server instance: version, storage, readiness, uptime and metrics figures',
        description:
          'Figures are those of the instance that answers, since it started (the counters /metrics serves): appends by ' +
          'outcome, answers by status (409, 429, 503, 5xx) and the append route latency p50/p99 as histogram bucket bounds.',
        tags: ['meta'],
        response: { 200: systemInfoSchema, ...errors },
      },
    },
    async () => systemInfo(),
  );
}
