import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A plain layer-4 round-robin balancer, like a Kubernetes Service: each new client connection
 * goes to the next backend in turn, whatever that backend is doing; a connection to a dead
 * backend simply fails (the client retries and gets the next one). Keep-alive connections stay
 * with the backend they were given.
 */
export interface RoundRobinProxy {
  port: number;
  /** Connections handed to each backend so far. */
  counts: number[];
  close(): Promise<void>;
}

export async function startRoundRobinProxy(backendPorts: number[], port = 0): Promise<RoundRobinProxy> {
  let next = 0;
  const counts = backendPorts.map(() => 0);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const index = next;
    next = (next + 1) % backendPorts.length;
    counts[index]! += 1;
    const upstream = createConnection({ host: '127.0.0.1', port: backendPorts[index]! });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    counts,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
