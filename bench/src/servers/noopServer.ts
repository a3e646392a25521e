/**
 * The HTTP ceiling: Fastify with the same route and the same JSON body, parsed but neither
 * authenticated, validated nor stored; it answers what a real append answers. Same IPC protocol
 * as `eventlaneServer.ts`.
 */
import Fastify from 'fastify';
import { serveHarness } from './ipc';

const server = Fastify({ logger: false, bodyLimit: 1_048_576 });
server.post('/api/event-stores/:eventStoreName/streams/:streamId', async (request) => {
  const events = (request.body as { events?: unknown[] } | undefined)?.events ?? [];
  return { success: true, nextExpectedStreamVersion: events.length, eventsWritten: events.length };
});
const url = await server.listen({ port: 0, host: '127.0.0.1' });
serveHarness({ url, key: 'none' }, () => server.close());
