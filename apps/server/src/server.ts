import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { DEFAULT_LIMITS, type Limits } from '@eventlane/contracts';
import type { Storage } from '@eventlane/store';
import { registerAuth } from './http/auth';
import { sendError } from './http/errors';
import { zodValidatorCompiler } from './http/validation';
import { registerAppendRoute } from './routes/appendRoute';
import { registerHealthRoutes } from './routes/healthRoutes';

export interface ServerOptions {
  storage: Storage;
  limits?: Partial<Limits>;
  /** pino level; `silent` in tests. */
  logLevel?: string;
}

export interface EventlaneServer {
  server: FastifyInstance;
  /** Listens and resolves with the base URL (`http://127.0.0.1:4000`). Port 0 picks a free port. */
  start(options?: { port?: number; host?: string }): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then closes storage. */
  stop(): Promise<void>;
}

/**
 * Builds the HTTP server on a storage; reads no environment and never exits the process.
 *
 * @example
 * const { start, stop } = createServer({ storage: await getSQLiteStorage({ dataDir }) });
 * const url = await start({ port: 0 });
 */
export function createServer(options: ServerOptions): EventlaneServer {
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { storage } = options;
  const server = Fastify({
    logger: { level: options.logLevel ?? 'info' },
    bodyLimit: limits.maxBodyBytes,
    genReqId: () => randomUUID(),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: 2048 },
  });
  server.setValidatorCompiler(zodValidatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  server.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  server.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'NOT_FOUND', message: `Route ${request.method} ${request.url.split('?')[0]} not found` }),
  );
  server.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  registerAuth(server, storage);
  registerHealthRoutes(server, storage);
  registerAppendRoute(server, storage, limits);

  let closed = false;
  return {
    server,
    async start({ port = 0, host = '127.0.0.1' } = {}) {
      await server.listen({ port, host });
      const address = server.server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
    },
    async stop() {
      if (closed) return;
      closed = true;
      await server.close();
      await storage.close();
    },
  };
}
