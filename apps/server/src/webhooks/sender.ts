import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { AddressNotAllowedError, guardedLookup, isPublicAddress, type Resolver } from './ssrf.js';
import { parseRetryAfter } from './backoff.js';

/** What one HTTP attempt came to. */
export interface SendResult {
  /** The receiver's status; null when no answer came. */
  statusCode: number | null;
  /** Null for a 2xx; otherwise why it failed (`HTTP 503`, `timeout after 10000 ms`, …). */
  error: string | null;
  /** `Retry-After`, in ms, when the receiver sent one. */
  retryAfterMs: number | null;
  /** The outcome as the metrics count it. */
  outcome: 'delivered' | 'http_error' | 'timeout' | 'network_error' | 'refused';
  durationMs: number;
}

export interface SenderOptions {
  timeoutMs: number;
  allowPrivateNetwork: boolean;
  resolver: Resolver;
}

/** The most of a response body that is read (it is discarded; reading lets the connection be reused). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * POSTs webhook requests: keep-alive connections per instance, every connection's address checked
 * (ssrf.ts), redirects never followed (a 3xx is a failed attempt), the whole exchange bounded by
 * `timeoutMs`.
 */
export class WebhookSender {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly lookup;

  constructor(private readonly options: SenderOptions) {
    this.lookup = guardedLookup(options.resolver, options.allowPrivateNetwork);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  send(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<SendResult> {
    const started = performance.now();
    const done = (result: Omit<SendResult, 'durationMs'>): SendResult => ({ ...result, durationMs: Math.round((performance.now() - started) * 100) / 100 });
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    // A literal address never goes through `lookup`: check it here.
    if (isIP(host) && !this.options.allowPrivateNetwork && !isPublicAddress(host)) {
      return Promise.resolve(done({ statusCode: null, error: `refused: ${new AddressNotAllowedError(host, host).message}`, retryAfterMs: null, outcome: 'refused' }));
    }
    const secure = target.protocol === 'https:';
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: Omit<SendResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(done(result));
      };
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          lookup: this.lookup,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Eventlane-Webhooks/1' },
        },
        (response) => {
          let received = 0;
          response.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > MAX_RESPONSE_BYTES) response.destroy();
          });
          const statusCode = response.statusCode ?? 0;
          const answer = () =>
            finish({
              statusCode,
              error: statusCode >= 200 && statusCode < 300 ? null : `HTTP ${statusCode}`,
              retryAfterMs: parseRetryAfter(response.headers['retry-after']),
              outcome: statusCode >= 200 && statusCode < 300 ? 'delivered' : 'http_error',
            });
          // The status decides: a receiver that answered and then dropped the body still answered.
          response.on('end', answer);
          response.on('close', answer);
          response.on('error', answer);
        },
      );
      const timer = setTimeout(() => {
        finish({ statusCode: null, error: `timeout after ${this.options.timeoutMs} ms`, retryAfterMs: null, outcome: 'timeout' });
        request.destroy();
      }, this.options.timeoutMs);
      const onAbort = () => {
        finish({ statusCode: null, error: 'aborted: the delivery stopped', retryAfterMs: null, outcome: 'network_error' });
        request.destroy();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof AddressNotAllowedError) {
          finish({ statusCode: null, error: `refused: ${error.message}`, retryAfterMs: null, outcome: 'refused' });
        } else {
          finish({ statusCode: null, error: describeNetworkError(error), retryAfterMs: null, outcome: 'network_error' });
        }
      });
      request.end(body);
    });
  }
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      return error.code ? `network error (${error.code})` : `network error (${error.message})`;
  }
}
