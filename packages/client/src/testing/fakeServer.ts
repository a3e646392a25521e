import type { StoredEvent } from '@eventlane/contracts';

interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  headers: Headers;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'network-error' | 'commit-then-network-error';

/**
 * An in-memory Eventlane append endpoint behind an injected `fetch`, following SPEC.md's rules
 * (versions, idempotent replay, duplicate ids). A test scripts failures with `failNext`.
 */
export class FakeServer {
  readonly streams = new Map<string, StoredEvent[]>();
  readonly requests: RecordedRequest[] = [];
  private script: Array<(request: RecordedRequest) => Reply | undefined> = [];
  validKeys = new Set(['el_test']);
  private global = 0;

  /** Answers the next matching append with `reply` instead of the normal handling. */
  failNext(reply: Reply, when: (request: RecordedRequest) => boolean = (request) => request.method === 'POST'): void {
    let used = false;
    this.script.push((request) => {
      if (used || !when(request)) return undefined;
      used = true;
      return reply;
    });
  }

  appends(): Array<{ streamId: string; body: { events: Array<{ eventId: string; type: string }>; options?: { expectedStreamVersion?: unknown } } }> {
    return this.requests
      .filter((request) => request.method === 'POST')
      .map((request) => ({ streamId: decodeURIComponent(request.path.split('/')[5]!), body: request.body as never }));
  }

  stream(store: string, streamId: string): StoredEvent[] {
    return this.streams.get(`${store}/${streamId}`) ?? [];
  }

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const request: RecordedRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      headers: new Headers(init?.headers),
    };
    this.requests.push(request);
    let reply: Reply | undefined;
    for (const step of this.script) {
      reply = step(request);
      if (reply) break;
    }
    if (reply === 'network-error') throw new TypeError('fetch failed');
    if (reply && reply !== 'commit-then-network-error') return json(reply.status, reply.body ?? {}, reply.headers);
    if (!this.validKeys.has(request.headers.get('X-API-Key') ?? '')) return json(401, { error: 'UNAUTHORIZED', message: 'Unauthorized: Organization ID not found in authentication context' });
    const [, , , store, , streamId, tail] = url.pathname.split('/').map(decodeURIComponent);
    const key = `${store}/${streamId}`;
    if (request.method === 'GET' && tail === 'events') {
      return json(200, this.page(store!, streamId!, Number(url.searchParams.get('fromPosition') ?? 0), Number(url.searchParams.get('limit') ?? 100)));
    }
    const response = this.append(key, streamId!, request.body as never);
    if (reply === 'commit-then-network-error') throw new TypeError('fetch failed after the server committed');
    return response;
  };

  private page(store: string, streamId: string, from: number, limit: number) {
    const events = this.stream(store, streamId).filter((event) => event.streamPosition >= from);
    return { events: events.slice(0, limit), pagination: { limit, offset: 0, hasMore: events.length > limit } };
  }

  private append(key: string, streamId: string, body: { events: Array<{ eventId: string; type: string; data: Record<string, unknown> }>; options?: { expectedStreamVersion?: number | string } }): Response {
    const stream = this.streams.get(key) ?? [];
    const version = stream.length;
    const ids = body.events.map((event) => event.eventId);
    const where = new Map<string, { key: string; position: number }>();
    for (const [k, events] of this.streams) for (const event of events) where.set(event.eventId, { key: k, position: event.streamPosition });
    const known = ids.filter((id) => where.has(id));
    if (known.length > 0) {
      const first = where.get(ids[0]!);
      const replay = known.length === ids.length && ids.every((id, i) => where.get(id)?.key === key && where.get(id)?.position === first!.position + i);
      if (replay) return json(200, { success: true, nextExpectedStreamVersion: first!.position + ids.length, eventsWritten: 0 });
      return json(409, { error: 'Duplicate event id', details: 'Some event ids are stored already', eventIds: known });
    }
    const expected = body.options?.expectedStreamVersion;
    const ok =
      expected === undefined || expected === 'any' || (expected === 'no_stream' && version === 0) || (expected === 'stream_exists' && version > 0) || expected === version;
    if (!ok) return json(409, { error: 'Version conflict', details: `Expected version ${String(expected)} but stream is at version ${version}`, currentVersion: version, expectedVersion: expected });
    const transactionId = crypto.randomUUID();
    for (const event of body.events) {
      stream.push({
        eventId: event.eventId,
        streamId,
        streamType: streamId.split(/[-_:]/)[0]!,
        streamPosition: stream.length,
        globalPosition: this.global++,
        type: event.type,
        data: event.data,
        metadata: null,
        schemaVersion: null,
        transactionId,
        createdAt: new Date(0).toISOString(),
      });
    }
    this.streams.set(key, stream);
    return json(200, { success: true, nextExpectedStreamVersion: stream.length, eventsWritten: body.events.length });
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}
