import type { ApiKeyInfo } from '@eventlane/contracts';
import type { ApiKeyRecord, KeyStore, Organization } from '../eventStore.js';
import { StoreError } from '../errors.js';
import type { MongoContext } from './context.js';
import { guard, isDuplicateKeyError } from './errors.js';
import type { ApiKeyDoc, OrganizationDoc } from './schema.js';

/** Most organizations, or keys of one organization, a listing returns. */
const MAX_LISTED = 10_000;

function organization(doc: OrganizationDoc): Organization {
  return { organizationId: doc.organizationId, createdAt: doc.createdAt.toISOString() };
}

function keyInfo(doc: ApiKeyDoc): ApiKeyInfo {
  return {
    keyId: doc.keyId,
    organizationId: doc.organizationId,
    name: doc.name,
    prefix: doc.prefix,
    scopes: doc.scopes,
    createdAt: doc.createdAt,
    revokedAt: doc.revokedAt,
  };
}

/** Organizations and API keys (stored by SHA-256 hash only), in `organizations` and `api_keys`. */
export function mongoKeyStore(ctx: MongoContext): KeyStore {
  const { organizations, apiKeys } = ctx.c;
  return {
    createOrganization: (organizationId) =>
      guard(async () => {
        const doc: OrganizationDoc = { organizationId, createdAt: new Date() };
        try {
          await organizations.insertOne({ ...doc }, { forceServerObjectId: true });
        } catch (error) {
          if (isDuplicateKeyError(error)) throw new StoreError('ORGANIZATION_EXISTS', `Organization ${organizationId} already exists`);
          throw error;
        }
        return organization(doc);
      }),

    getOrganization: (organizationId) =>
      guard(async () => {
        const doc = await organizations.findOne({ organizationId }, { projection: { _id: 0 } });
        return doc ? organization(doc) : null;
      }),

    listOrganizations: () =>
      guard(async () => {
        const docs = await organizations
          .find({ organizationId: { $gte: '' } }, { sort: { organizationId: 1 }, projection: { _id: 0 } })
          .limit(MAX_LISTED)
          .toArray();
        return docs.map(organization);
      }),

    insertApiKey: (record: ApiKeyRecord) =>
      guard(async () => {
        if (!(await organizations.findOne({ organizationId: record.organizationId }, { projection: { _id: 1 } }))) {
          throw new StoreError('ORGANIZATION_NOT_FOUND', `Organization ${record.organizationId} not found`);
        }
        const doc: ApiKeyDoc = { ...keyInfo({ ...record }), keyHash: record.keyHash };
        await apiKeys.insertOne(doc, { forceServerObjectId: true });
      }),

    findApiKeyByHash: (keyHash) =>
      guard(async () => {
        const doc = await apiKeys.findOne({ keyHash }, { projection: { _id: 0 } });
        return doc ? { ...keyInfo(doc), keyHash: doc.keyHash } : null;
      }),

    listApiKeys: (organizationId) =>
      guard(async () => {
        const docs = await apiKeys
          .find({ organizationId }, { sort: { createdAt: 1, keyId: 1 }, projection: { _id: 0 } })
          .limit(MAX_LISTED)
          .toArray();
        return docs.map(keyInfo);
      }),

    revokeApiKey: (keyId, organizationId) =>
      guard(async () => {
        const filter = organizationId === undefined ? { keyId } : { keyId, organizationId };
        // Only a key not yet revoked gets a revocation time: revoking twice keeps the first.
        await apiKeys.updateOne({ ...filter, revokedAt: null }, { $set: { revokedAt: new Date().toISOString() } });
        const doc = await apiKeys.findOne(filter, { projection: { _id: 0 } });
        return doc ? keyInfo(doc) : null;
      }),
  };
}
