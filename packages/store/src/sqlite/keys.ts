import type { ApiKeyInfo } from '@eventlane/contracts';
import type { ApiKeyRecord, KeyStore, Organization } from '../eventStore.js';
import { StoreError, UnavailableError } from '../errors.js';
import { isUniqueViolation, run, type Connection } from './connection.js';

const KEY_COLUMNS = `key_id AS keyId, organization_id AS organizationId, name, prefix, scopes,
  created_at AS createdAt, revoked_at AS revokedAt, key_hash AS keyHash`;

interface KeyRow extends Omit<ApiKeyRecord, 'scopes'> {
  scopes: string;
}

const toRecord = (row: KeyRow): ApiKeyRecord => ({ ...row, scopes: JSON.parse(row.scopes) as ApiKeyRecord['scopes'] });

function toInfo(row: KeyRow): ApiKeyInfo {
  const { keyHash: _keyHash, ...info } = toRecord(row);
  return info;
}

/** Organizations and API keys (stored by SHA-256 hash only). */
export function keyOperations(connection: Connection): KeyStore {
  const { db } = connection;
  const ORGANIZATION_COLUMNS = 'organization_id AS organizationId, created_at AS createdAt';
  const insertOrganization = db.prepare(
    'INSERT INTO organizations (organization_id, created_at) VALUES (?, ?) ON CONFLICT (organization_id) DO NOTHING',
  );
  const getOrganization = db.prepare(`SELECT ${ORGANIZATION_COLUMNS} FROM organizations WHERE organization_id = ?`);
  const listOrganizations = db.prepare(`SELECT ${ORGANIZATION_COLUMNS} FROM organizations ORDER BY organization_id`);
  const insertKey = db.prepare(
    `INSERT INTO api_keys (key_id, organization_id, name, prefix, key_hash, scopes, created_at, revoked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const keyByHash = db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = ?`);
  const keyById = db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_id = ?`);
  const keysOf = db.prepare(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE organization_id = ? ORDER BY created_at, key_id`);
  // COALESCE keeps the first revocation time when a key is revoked twice.
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE key_id = ?');

  const createOrganization = db.transaction((organizationId: string): Organization => {
    const result = insertOrganization.run(organizationId, new Date().toISOString());
    if (result.changes === 0) throw new StoreError('ORGANIZATION_EXISTS', `Organization ${organizationId} already exists`);
    return getOrganization.get(organizationId) as Organization;
  });
  const addKey = db.transaction((record: ApiKeyRecord) => {
    if (!getOrganization.get(record.organizationId))
      throw new StoreError('ORGANIZATION_NOT_FOUND', `Organization ${record.organizationId} not found`);
    const { keyId, organizationId, name, prefix, keyHash, scopes, createdAt, revokedAt } = record;
    insertKey.run(keyId, organizationId, name, prefix, keyHash, JSON.stringify(scopes), createdAt, revokedAt);
  });
  const revokeKey = db.transaction((keyId: string, organizationId: string | undefined): ApiKeyInfo | null => {
    const row = keyById.get(keyId) as KeyRow | undefined;
    if (!row || (organizationId !== undefined && row.organizationId !== organizationId)) return null;
    revoke.run(new Date().toISOString(), keyId);
    return toInfo(keyById.get(keyId) as KeyRow);
  });

  return {
    createOrganization: (organizationId) => run(() => createOrganization.immediate(organizationId)),
    getOrganization: (organizationId) => run(() => (getOrganization.get(organizationId) as Organization | undefined) ?? null),
    listOrganizations: () => run(() => listOrganizations.all() as Organization[]),
    insertApiKey: (record) =>
      run(() => {
        try {
          addKey.immediate(record);
        } catch (error) {
          // Key ids and hashes come from ≥ 32 random bytes; a collision means "generate another and retry".
          if (isUniqueViolation(error)) throw new UnavailableError('API key id or hash collided with an existing key; retry', { cause: error });
          throw error;
        }
      }),
    findApiKeyByHash: (keyHash) =>
      run(() => {
        const row = keyByHash.get(keyHash) as KeyRow | undefined;
        return row ? toRecord(row) : null;
      }),
    listApiKeys: (organizationId) => run(() => (keysOf.all(organizationId) as KeyRow[]).map(toInfo)),
    revokeApiKey: (keyId, organizationId) => run(() => revokeKey.immediate(keyId, organizationId)),
  };
}
