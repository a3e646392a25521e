import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { CodedError } from '@eventlane/contracts';

/**
 * What Node's HTTP parser refuses before any route runs (Fastify's `clientErrorHandler`): headers
 * over Node's 16 KiB limit (431, documented on every operation) and malformed requests (400), with
 * bodies in Eventlane's error shape rather than Fastify's `{ error, message, statusCode }`. The
 * socket is closed afterwards, as Node does: the parser cannot find where the next request starts.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one to answer (https://nodejs.org/api/http.html#event-clienterror).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, body] = answerFor(error.code);
  this.log.debug({ code: error.code, status }, 'refused a request the HTTP parser could not take');
  if (socket.writable) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}

function answerFor(code: string | undefined): [number, CodedError] {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return [431, { error: 'Request header fields too large', message: 'The request headers are larger than 16 KiB' }];
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [408, { error: 'REQUEST_TIMEOUT', message: 'The request was not received in time' }];
  }
  return [400, { error: 'BAD_REQUEST', message: 'Malformed HTTP request' }];
}
