import type { FastifyInstance } from 'fastify';
import type { Storage } from '@eventlane/store';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../http/errors.js';

/** `/healthz`: the process answers. `/readyz`: storage answers too (load balancers route on this). */
export function registerHealthRoutes(server: FastifyInstance, storage: Storage): void {
  server.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  server.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await storage.ping();
      return { status: 'ready', backend: storage.backend };
    } catch {
      return reply
        .code(503)
        .header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS))
        .send({ error: 'Service unavailable', message: 'Storage is unavailable' });
    }
  });
}
