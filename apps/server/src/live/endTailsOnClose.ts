import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LiveTails } from './liveTails.js';

const isSubscription = (request: FastifyRequest) =>
  request.url.startsWith('/trpc/') && (request.headers.accept?.includes('text/event-stream') ?? false);

/**
 * A live tail never ends on its own, and `close()` waits for every response in flight. So on
 * close the tails are ended first; their SSE responses then finish, and their connections are
 * closed right after (tRPC marks SSE responses keep-alive, and waiting for the client's
 * keep-alive timeout would hold `close()` for seconds).
 */
export function endTailsOnClose(app: FastifyInstance, live: LiveTails): void {
  let closing = false;
  app.addHook('onRequest', async (request, reply) => {
    if (!isSubscription(request)) return;
    reply.raw.once('finish', () => {
      if (closing) request.raw.socket.end();
    });
  });
  app.addHook('preClose', async () => {
    closing = true;
    live.close();
  });
}
