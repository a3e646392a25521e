import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelayMs } from './backoff';
import { SecretSealer, generateSealingKey, parseSealingKey } from './secretSealer';
import { generateWebhookSecret, signatureHeader } from './signature';
import { isPublicAddress } from './ssrf';
import { eventMatcher } from './batches';

describe('retry delays (full jitter, capped, Retry-After wins)', () => {
  const policy = { initialDelayMs: 1000, maxDelayMs: 600_000 };
  it('grows exponentially under the jitter and never passes the cap', () => {
    expect(retryDelayMs(1, policy, null, () => 0.999)).toBe(999);
    expect(retryDelayMs(4, policy, null, () => 0.5)).toBe(4000);
    expect(retryDelayMs(30, policy, null, () => 0.999)).toBe(599_400);
    expect(retryDelayMs(3, policy, null, () => 0)).toBe(0);
  });
  it('takes Retry-After instead, capped at the maximum', () => {
    expect(retryDelayMs(1, policy, 5000, () => 0)).toBe(5000);
    expect(retryDelayMs(1, policy, 3_600_000, () => 0)).toBe(600_000);
  });
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
  });
});

describe('signatures and sealed secrets', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 keyed by the whole secret', () => {
    // Known answer: `echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test`
    expect(signatureHeader('whsec_test', '{"a":1}', 1_700_000_000)).toBe('t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789');
    const header = signatureHeader('whsec_test', '{"a":1}', 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(signatureHeader('whsec_other', '{"a":1}', 1_700_000_000)).not.toBe(header);
    expect(signatureHeader('whsec_test', '{"a":2}', 1_700_000_000)).not.toBe(header);
  });
  it('generates whsec_ + 32 random bytes', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
  it('seals with AES-256-GCM: round-trips, refuses another key and a tampered value', () => {
    const sealer = new SecretSealer(parseSealingKey(generateSealingKey()));
    const sealed = sealer.seal('whsec_abc');
    expect(sealed).not.toContain('whsec_abc');
    expect(sealer.seal('whsec_abc')).not.toBe(sealed);
    expect(sealer.unseal(sealed)).toBe('whsec_abc');
    expect(() => new SecretSealer(parseSealingKey(generateSealingKey())).unseal(sealed)).toThrow(/another key/);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('whsec_xyz').toString('base64url');
    expect(() => sealer.unseal(parts.join('.'))).toThrow();
  });
  it('takes a key in base64 or base64url, 32 bytes only', () => {
    const bytes = Buffer.alloc(32, 7);
    expect(parseSealingKey(bytes.toString('base64')).equals(bytes)).toBe(true);
    expect(parseSealingKey(bytes.toString('base64url')).equals(bytes)).toBe(true);
    expect(() => parseSealingKey('short')).toThrow(/32 bytes/);
  });
});

describe('addresses webhooks may reach', () => {
  it.each(['127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not-an-ip'])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:93.184.216.34'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('event filters', () => {
  const event = (type: string, streamId: string, streamType = streamId.split('-')[0]!) =>
    ({ type, streamId, streamType, eventId: 'e', streamPosition: 0, globalPosition: 0, data: {}, metadata: null, schemaVersion: null, transactionId: 't', createdAt: '' });
  it('combines types (exact or prefix glob), stream type and stream id glob', () => {
    const matches = eventMatcher({ eventTypes: ['order.*', 'payment.captured'], streamType: 'order', streamIdPattern: 'order-1*' });
    expect(matches(event('order.placed', 'order-12'))).toBe(true);
    expect(matches(event('payment.captured', 'order-1'))).toBe(true);
    expect(matches(event('payment.refunded', 'order-1'))).toBe(false);
    expect(matches(event('order.placed', 'order-2'))).toBe(false);
    expect(matches(event('order.placed', 'order-1x', 'other'))).toBe(false);
    expect(eventMatcher({ eventTypes: ['*'], streamType: null, streamIdPattern: null })(event('anything', 'x'))).toBe(true);
    expect(eventMatcher({ eventTypes: ['order'], streamType: null, streamIdPattern: null })(event('order.placed', 'x'))).toBe(false);
  });
});
