/**
 * `@eventlane/server/router`: the tRPC router's type and nothing else. Clients (the admin app,
 * `@eventlane/client`) type their tRPC calls with it; the entry has no runtime export (its
 * `exports` entry has only a `types` condition), so importing it for a value fails and no server
 * code can reach a client bundle.
 */
export type { AppRouter } from './routers/index.js';
