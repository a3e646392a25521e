import type { AnyTRPCRouter } from '@trpc/server';
import type { CatalogedRoute } from '../src/http/routeCatalog';

/** The names one request is about: whose store, which stream, which key. */
export interface Names {
  store: string;
  stream: string;
  streamType: string;
  keyId: string;
  /** A webhook subscription of the store (issue 12); a made-up id when the world has none. */
  subscriptionId?: string;
}

export interface MatrixRequest {
  /** `POST /api/event-stores/:eventStoreName/streams/:streamId` or `trpc query streams.read` */
  label: string;
  method: string;
  path: string;
  body?: unknown;
  /** A tRPC subscription: read as server-sent events for a bounded time. */
  sse?: boolean;
  scope: string | undefined;
}

const PARAM_VALUES: Record<string, (names: Names) => string> = {
  eventStoreName: (n) => n.store,
  name: (n) => n.store,
  streamId: (n) => n.stream,
  streamType: (n) => n.streamType,
  keyId: (n) => n.keyId,
  subscriptionId: (n) => n.subscriptionId ?? 'sub_000000000nosuchsubscription',
};

/** Routes served by tRPC's wildcard; covered procedure by procedure instead. */
export const isTrpcWildcard = (route: CatalogedRoute) => route.url === '/trpc' || route.url.startsWith('/trpc/');

/**
 * One concrete request per registered REST route, with path parameters filled from `names`.
 * A route with a parameter or a wildcard this table does not know throws: a new kind of route
 * must be added to the matrix consciously, never skipped silently.
 */
export function restRequests(catalog: CatalogedRoute[], names: Names): MatrixRequest[] {
  const requests: MatrixRequest[] = [];
  for (const route of catalog) {
    if (route.method === 'OPTIONS' || isTrpcWildcard(route)) continue;
    if (route.url.includes('*')) throw new Error(`route matrix: unknown wildcard route ${route.method} ${route.url}`);
    const path = route.url.replace(/:(\w+)/g, (_, param: string) => {
      const value = PARAM_VALUES[param];
      if (!value) throw new Error(`route matrix: unknown path parameter :${param} in ${route.url}`);
      return encodeURIComponent(value(names));
    });
    let body: unknown;
    let query = '';
    if (route.method === 'POST' && /\/streams\/:streamId$/.test(route.url)) {
      body = { events: [{ type: 'probe.sent', data: { probe: true } }] };
    } else if (route.method === 'POST' && route.url === '/api/event-stores') {
      body = { name: names.store, description: 'probe' };
    } else if (route.method === 'POST' && route.url.endsWith('/subscriptions')) {
      body = { url: 'https://hooks.example.com/probe' };
    } else if (route.method === 'POST' && route.url.endsWith('/replay')) {
      body = { fromPosition: 0 };
    } else if (route.method === 'PATCH') {
      body = { status: 'paused' };
    } else if (route.method === 'POST') {
      body = {};
    }
    if (route.method === 'DELETE') query = '?confirm=true';
    requests.push({ label: `${route.method} ${route.url}`, method: route.method, path: path + query, body, scope: route.scope });
  }
  return requests;
}

interface ZodLike {
  def?: { type?: string; innerType?: ZodLike; shape?: Record<string, ZodLike> };
  shape?: Record<string, ZodLike>;
  isOptional?: () => boolean;
}

const unwrap = (schema: ZodLike): ZodLike => {
  let current = schema;
  while (current.def && ['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(current.def.type ?? '')) {
    current = current.def.innerType!;
  }
  return current;
};

const INPUT_VALUES: Record<string, (names: Names) => unknown> = {
  ...PARAM_VALUES,
  confirm: () => true,
  scopes: () => ['read'],
  since: () => new Date(Date.now() - 3_600_000).toISOString(),
  url: () => 'https://hooks.example.com/probe',
  // Valid both as a tail's position and as a subscription's replay position.
  fromPosition: () => 0,
  status: () => 'paused',
};

/** An input for a procedure from its zod schema: known fields filled, an unknown required field throws. */
function inputFor(path: string, schema: ZodLike | undefined, names: Names): unknown {
  if (!schema) return undefined;
  const object = unwrap(schema);
  const shape = object.shape ?? object.def?.shape;
  if (!shape) throw new Error(`route matrix: procedure ${path} takes a non-object input`);
  const input: Record<string, unknown> = {};
  for (const [field, fieldSchema] of Object.entries(shape)) {
    const value = INPUT_VALUES[field];
    if (value) input[field] = value(names);
    else if (!fieldSchema.isOptional?.()) throw new Error(`route matrix: procedure ${path} needs input field "${field}"`);
  }
  return input;
}

/** One request per tRPC procedure of the router, over HTTP the way clients call it. */
export function trpcRequests(router: AnyTRPCRouter, names: Names): MatrixRequest[] {
  const procedures = router._def.procedures as Record<string, { _def: { type: string; inputs: ZodLike[] } }>;
  return Object.entries(procedures).map(([path, procedure]) => {
    const { type, inputs } = procedure._def;
    const input = inputFor(path, inputs[0], names);
    const encoded = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const label = `trpc ${type} ${path}`;
    if (type === 'mutation') return { label, method: 'POST', path: `/trpc/${path}`, body: input ?? {}, scope: 'trpc' };
    return { label, method: 'GET', path: `/trpc/${path}${encoded}`, sse: type === 'subscription', scope: 'trpc' };
  });
}

/** Replaces what differs between the worlds by design (names of either world, new keys, ids, times) so answers can be compared. */
export function normalise(text: string, ...worlds: Names[]): string {
  let out = text;
  for (const names of worlds) {
    for (const [value, placeholder] of [
      [names.store, '<STORE>'],
      [names.stream, '<STREAM>'],
      [names.streamType, '<TYPE>'],
      [names.keyId, '<KEYID>'],
    ] as const) {
      out = out.split(value).join(placeholder);
    }
  }
  return out
    .replace(/el_[A-Za-z0-9_-]{43}/g, '<APIKEY>')
    .replace(/"prefix":"[^"]*"/g, '"prefix":"<PREFIX>"')
    .replace(/key_[0-9a-f]{16}/g, '<KEYID>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<UUID>')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<TIME>');
}
