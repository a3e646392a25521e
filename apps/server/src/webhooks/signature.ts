import { createHmac, randomBytes } from 'node:crypto';

const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** `whsec_` + 32 random bytes (base64url): shown once, at creation. */
export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The `x-eventlane-signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
 * keyed with the secret as shown at creation (the whole `whsec_…` string). A receiver recomputes it
 * over the raw body it got and compares in constant time (README "Webhook subscriptions").
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}
