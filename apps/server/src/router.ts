/**
 * The types-only entry `@eventlane/server/router`: the tRPC router's type for clients (the admin
 * app, services). It exports no value, so importing it can never pull server code into a bundle.
 */
export type { AppRouter } from './routers';
