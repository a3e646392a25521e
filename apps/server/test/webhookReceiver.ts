import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookPayload } from '@eventlane/contracts';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: WebhookPayload;
  receivedAt: number;
  /** What the receiver answered (null: it hung up or never answered). */
  answered: number | null;
}

/** What to answer the n-th request (0-based): a status with headers, after a delay, or nothing at all (`hang`). */
export type Responder = (request: Omit<Received, 'answered'>, n: number) => { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang' | 'reset';

/** A webhook receiver on 127.0.0.1 that records every request and answers as told (200 by default). */
export interface Receiver {
  url: string;
  received: Received[];
  /** Requests being handled right now (to check that one subscription is never delivered twice at once). */
  inFlight: number;
  maxInFlight: number;
  respond: Responder;
  /** Connections closed by the sender before an answer (an aborted attempt). */
  abandoned: number;
  close(): Promise<void>;
}

export async function startReceiver(respond: Responder = () => ({ status: 200 })): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    received: [],
    inFlight: 0,
    maxInFlight: 0,
    respond,
    abandoned: 0,
    close: async () => {},
  };
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const entry: Received = { path: req.url ?? '/', headers: req.headers, rawBody, body: JSON.parse(rawBody) as WebhookPayload, receivedAt: Date.now(), answered: null };
      receiver.received.push(entry);
      receiver.inFlight += 1;
      receiver.maxInFlight = Math.max(receiver.maxInFlight, receiver.inFlight);
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        receiver.inFlight -= 1;
      };
      res.on('close', () => {
        if (entry.answered === null) receiver.abandoned += 1;
        finish();
      });
      const answer = receiver.respond(entry, n++);
      if (answer === 'hang') return;
      if (answer === 'reset') {
        req.socket.destroy();
        return;
      }
      setTimeout(() => {
        if (res.destroyed) return;
        entry.answered = answer.status;
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end('ok');
        finish();
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** The README's verification, as a receiver would run it. */
export function verifySignature(rawBody: string, header: string | undefined, secret: string, toleranceSeconds = 300): boolean {
  if (!header) return false;
  const { t, v1 } = Object.fromEntries(header.split(',').map((part) => part.split('='))) as { t?: string; v1?: string };
  if (!t || !v1) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return Math.abs(Date.now() / 1000 - Number(t)) <= toleranceSeconds && v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}

/** Polls until `check` returns true (or a value), failing with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
