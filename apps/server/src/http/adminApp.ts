import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `pnpm --filter @eventlane/admin build` writes the admin app. */
export const DEFAULT_ADMIN_DIST = fileURLToPath(new URL('../../../admin/dist', import.meta.url));

/** Paths that belong to the API: never answered with the app, even when unknown (a JSON 404 tells a client more). */
const API_PREFIXES = ['/api/', '/api', '/trpc', '/healthz', '/readyz', '/metrics', '/openapi.json'];

/**
 * Serves the built admin app from the same origin as the API: files from `dist/`, and `index.html`
 * for any other GET outside the API so that deep links and reloads work (the app routes in the
 * browser). No route is registered: files are answered from the not-found path, so the route
 * catalog, the OpenAPI document and every API route stay exactly as they are. Without a build
 * (`dist/` missing) nothing changes at all.
 *
 * `index.html` and the service worker (`sw.js`) are sent with `no-cache` so a new release is
 * picked up on the next load; the hashed files under `assets/` are immutable.
 *
 * @example
 * registerAdminApp(server); // in createServer, after the routes
 */
export function registerAdminApp(server: FastifyInstance, options: { root?: string } = {}): void {
  const root = options.root ?? DEFAULT_ADMIN_DIST;
  if (!existsSync(join(root, 'index.html'))) return;
  void server.register(fastifyStatic, { root, serve: false });

  server.addHook('onRequest', async (request, reply) => {
    if (!request.is404 || (request.method !== 'GET' && request.method !== 'HEAD')) return;
    const path = decodePath(request.url.split('?')[0] ?? '/');
    if (path === null || API_PREFIXES.some((prefix) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`))) return;
    const file = fileIn(root, path);
    if (file) return sendAppFile(reply, file);
    // A missing asset is a 404, not the app: a stale page asking for an old hashed file must fail visibly.
    if (/\.[a-z0-9]+$/i.test(path)) return;
    return sendAppFile(reply, 'index.html');
  });
}

function decodePath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/** The file under `root` a path names, relative to `root`, or null (directories, traversal, missing). */
function fileIn(root: string, path: string): string | null {
  const relative = normalize(path).replace(/^([/\\])+/, '');
  if (relative === '' || relative.split(sep).includes('..')) return null;
  const full = join(root, relative);
  if (!full.startsWith(root + sep)) return null;
  try {
    return statSync(full).isFile() ? relative : null;
  } catch {
    return null;
  }
}

function sendAppFile(reply: FastifyReply, file: string): FastifyReply {
  if (file.startsWith(`assets${sep}`) || file.startsWith('assets/')) {
    return reply.code(200).sendFile(file, { maxAge: '365d', immutable: true });
  }
  reply.header('Cache-Control', 'no-cache');
  return reply.code(200).sendFile(file, { cacheControl: false });
}
