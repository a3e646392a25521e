/**
 * The HTTP ceiling: Fastify with the same route and the same JSON body, parsed but neither
 * authenticated, validated nor stored; it answers what a real append answers. Same IPC protocol
 * as `eventlaneServer.ts`.
 */
import Fastify from 'fastify';

const server = Fastify({ logger: false, bodyLimit: 1_048_576 });
server.post('/api/event-stores/:eventStoreName/streams/:streamId', async (request) => {
  const events = (request.body as { events?: unknown[] } | undefined)?.events ?? [];
  return { success: true, nextExpectedStreamVersion: events.length, eventsWritten: events.length };
});
const address = await server.listen({ port: 0, host: '127.0.0.1' });

process.on('message', (message: { type: string }) => {
  if (message.type === 'rss') process.send!({ type: 'rss', rss: process.memoryUsage().rss });
  if (message.type === 'stop') void server.close().finally(() => process.exit(0));
});
process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
process.send!({ type: 'ready', url: address, key: 'none' });
