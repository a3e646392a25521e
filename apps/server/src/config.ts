import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from '@eventlane/contracts';
import { DEFAULT_SECURITY, type SecurityOptions } from './http/security.js';
import { parseSealingKey } from './webhooks/secretSealer.js';
import { DEFAULT_WEBHOOK_OPTIONS, type WebhookOptions } from './webhooks/webhookDispatcher.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** SQLite: where appends commit; `thread` (default) keeps the fsync off the event loop, `inline` commits on it (docs/performance.md, "Mixed load"). */
  sqliteWriter: 'thread' | 'inline';
  mongodbUri: string | null;
  mongodbDb: string;
  /** MongoDB adapter: bytes of per-instance cache, and the sequencer lease (see packages/store/src/mongodb/NOTES.md). */
  mongodbCacheBytes: number;
  mongodbLeaseMs: number;
  logLevel: string;
  /** API-key lookups answered from memory for this long; 0 (default) is off (http/keyLookupCache.ts). */
  authCacheTtlMs: number;
  limits: Limits;
  security: SecurityOptions;
  webhooks: Pick<WebhookOptions, 'enabled' | 'allowPrivateNetwork' | 'secretKey' | 'timeoutMs' | 'retry' | 'leaseTtlMs'>;
}

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

const intFrom = (fallback: number, min: number) => z.coerce.number().int().min(min).default(fallback);

const envSchema = z.object({
  PORT: intFrom(4000, 0).pipe(z.number().max(65535)),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  SQLITE_WRITER: z.enum(['thread', 'inline']).default('thread'),
  MONGODB_URI: z.string().min(1).optional(),
  MONGODB_DB: z.string().min(1).default('eventlane'),
  MONGODB_CACHE_BYTES: intFrom(16 * 1024 * 1024, 0),
  MONGODB_SEQUENCER_LEASE_MS: intFrom(5_000, 500),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: intFrom(DEFAULT_LIMITS.maxBodyBytes, 1024),
  MAX_EVENTS_PER_APPEND: intFrom(DEFAULT_LIMITS.maxEventsPerAppend, 1),
  MAX_PAGE_SIZE: intFrom(DEFAULT_LIMITS.maxPageSize, 1),
  MAX_JSON_DEPTH: intFrom(DEFAULT_LIMITS.maxJsonDepth, 1),
  AUTH_CACHE_TTL_MS: intFrom(0, 0).pipe(z.number().max(5_000)),
  RATE_LIMIT_MAX: intFrom(DEFAULT_SECURITY.rateLimitMax, 0),
  RATE_LIMIT_WINDOW_MS: intFrom(DEFAULT_SECURITY.rateLimitWindowMs, 1),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  WEBHOOK_DELIVERY: flag(true),
  WEBHOOK_ALLOW_PRIVATE_NETWORK: flag(false),
  WEBHOOK_SECRET_KEY: z
    .string()
    .optional()
    .refine((value) => value === undefined || value === '' || tryParseKey(value), 'must be 32 bytes in base64 (openssl rand -base64 32)'),
  WEBHOOK_TIMEOUT_MS: intFrom(DEFAULT_WEBHOOK_OPTIONS.timeoutMs, 100),
  WEBHOOK_RETRY_INITIAL_DELAY_MS: intFrom(DEFAULT_WEBHOOK_OPTIONS.retry.initialDelayMs, 1),
  WEBHOOK_RETRY_MAX_DELAY_MS: intFrom(DEFAULT_WEBHOOK_OPTIONS.retry.maxDelayMs, 1),
  WEBHOOK_LEASE_TTL_MS: intFrom(DEFAULT_WEBHOOK_OPTIONS.leaseTtlMs, 1000),
});

function tryParseKey(value: string): boolean {
  try {
    parseSealingKey(value);
    return true;
  } catch {
    return false;
  }
}

/** Reads the configuration from an environment; throws a readable message on a bad value. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: resolve(e.DATA_DIR),
    sqliteWriter: e.SQLITE_WRITER,
    mongodbUri: e.MONGODB_URI ?? null,
    mongodbDb: e.MONGODB_DB,
    mongodbCacheBytes: e.MONGODB_CACHE_BYTES,
    mongodbLeaseMs: e.MONGODB_SEQUENCER_LEASE_MS,
    logLevel: e.LOG_LEVEL,
    authCacheTtlMs: e.AUTH_CACHE_TTL_MS,
    limits: {
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxEventsPerAppend: e.MAX_EVENTS_PER_APPEND,
      maxPageSize: e.MAX_PAGE_SIZE,
      defaultPageSize: Math.min(DEFAULT_LIMITS.defaultPageSize, e.MAX_PAGE_SIZE),
      maxJsonDepth: e.MAX_JSON_DEPTH,
    },
    security: {
      rateLimitMax: e.RATE_LIMIT_MAX,
      rateLimitWindowMs: e.RATE_LIMIT_WINDOW_MS,
      // Browsers send the origin without a trailing slash; normalise so `https://a.example/` matches too.
      corsOrigins: e.CORS_ORIGINS.map((origin) => new URL(origin).origin),
    },
    webhooks: {
      enabled: e.WEBHOOK_DELIVERY,
      allowPrivateNetwork: e.WEBHOOK_ALLOW_PRIVATE_NETWORK,
      secretKey: e.WEBHOOK_SECRET_KEY ? e.WEBHOOK_SECRET_KEY : null,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retry: { initialDelayMs: e.WEBHOOK_RETRY_INITIAL_DELAY_MS, maxDelayMs: e.WEBHOOK_RETRY_MAX_DELAY_MS },
      // A lease must outlive an attempt by a margin, whatever was configured.
      leaseTtlMs: Math.max(e.WEBHOOK_LEASE_TTL_MS, e.WEBHOOK_TIMEOUT_MS * 3),
    },
  };
}
