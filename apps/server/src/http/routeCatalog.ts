import type { FastifyInstance } from 'fastify';
import type { ApiKeyScope } from '@eventlane/contracts';

export interface CatalogedRoute {
  method: string;
  url: string;
  /** The scope the route needs; undefined for public routes. */
  scope: ApiKeyScope | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered, in order; the security tests walk it so a new route is covered the day it is added. */
    routeCatalog: CatalogedRoute[];
  }
}

/** Call first in createServer: the onRoute hook sees only routes registered after it. */
export function registerRouteCatalog(server: FastifyInstance): void {
  const routes: CatalogedRoute[] = [];
  server.decorate('routeCatalog', routes);
  server.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue; // fastify's automatic twin of each GET
      routes.push({ method, url: route.url, scope: route.config?.scope });
    }
  });
}
