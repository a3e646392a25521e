import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Helmet's response headers for these options, computed once: helmet's own middleware runs
 * against a recorder, so the headers are exactly helmet's (its defaults move with the package).
 * `@fastify/helmet` builds the whole middleware again for every request (the CSP directives
 * parsed and the header strings assembled each time: ~25 % of a request's CPU in the server's
 * profile, issue 15); nothing in ours varies per request (no CSP nonces), so one object serves all.
 */
export function staticSecurityHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}
