import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Webhook secrets are stored sealed: AES-256-GCM under a key the database does not hold when the
 * operator sets `WEBHOOK_SECRET_KEY` (otherwise a key created once per data folder or database,
 * see README). Signing needs the secret itself, so it is encrypted, not hashed.
 * Format: `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url); the key id (8 hex characters of the
 * key's SHA-256) tells a wrong key from a damaged value.
 */
export class SecretSealer {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('The webhook secret key must be 32 bytes');
    this.key = key;
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', this.keyId, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** @throws Error when the value was sealed with another key or was altered */
  unseal(sealed: string): string {
    const [version, keyId, iv, ciphertext, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || !ciphertext || !tag) throw new Error('Not a sealed webhook secret');
    if (keyId !== this.keyId) throw new Error(`This webhook secret was sealed with another key (${keyId}, the server has ${this.keyId})`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** 32 random bytes, base64url: what `loadSecretSealingKey` stores when the operator configured none. */
export function generateSealingKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * A key from `WEBHOOK_SECRET_KEY` or from storage: 32 bytes in base64 or base64url (`openssl rand -base64 32`).
 * @throws Error when it is not 32 bytes
 */
export function parseSealingKey(text: string): Buffer {
  const key = Buffer.from(text.trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
  if (key.length !== 32) throw new Error('WEBHOOK_SECRET_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)');
  return key;
}
