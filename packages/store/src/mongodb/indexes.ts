import type { Db, IndexDirection } from 'mongodb';
import { UnavailableError } from '../errors.js';

export interface IndexSpec {
  name: string;
  key: Record<string, IndexDirection>;
  unique?: boolean;
}

/**
 * Every index the adapter declares, by collection name (besides `_id`). The query-shape test
 * checks every command the adapter sends against this list.
 */
export const INDEXES: Record<string, IndexSpec[]> = {
  commits: [
    { name: 'stream_chain', key: { org: 1, store: 1, inc: 1, streamId: 1, fromVersion: 1 }, unique: true },
    // Enforced across array elements by MongoDB; FerretDB v1 does not (see `probeMultikeyUnique`).
    { name: 'event_ids', key: { org: 1, store: 1, inc: 1, 'events.eventId': 1 }, unique: true },
    { name: 'writer', key: { writer: 1, createdAt: 1 } },
  ],
  markers: [
    { name: 'store', key: { org: 1, store: 1, inc: 1, createdAt: 1 } },
    { name: 'age', key: { createdAt: 1 } },
  ],
  positions: [
    { name: 'commit', key: { org: 1, store: 1, inc: 1, streamId: 1, fromVersion: 1 }, unique: true },
    { name: 'global', key: { org: 1, store: 1, inc: 1, g: 1 } },
    { name: 'stream_global', key: { org: 1, store: 1, inc: 1, streamId: 1, g: 1 } },
    { name: 'types', key: { org: 1, store: 1, inc: 1, types: 1, g: 1 } },
  ],
  streams: [
    { name: 'stream', key: { org: 1, store: 1, inc: 1, streamId: 1 }, unique: true },
    { name: 'stream_type', key: { org: 1, store: 1, inc: 1, streamType: 1, streamId: 1 } },
    { name: 'created', key: { org: 1, store: 1, inc: 1, createdAt: 1, streamId: 1 } },
    { name: 'updated', key: { org: 1, store: 1, inc: 1, updatedAt: 1, streamId: 1 } },
  ],
  stores: [{ name: 'store', key: { org: 1, store: 1 }, unique: true }],
  sequencers: [],
  instances: [
    { name: 'expiry', key: { expiresAt: 1 } },
    { name: 'clean', key: { cleanUntil: 1 } },
  ],
  organizations: [{ name: 'organization', key: { organizationId: 1 }, unique: true }],
  api_keys: [
    { name: 'key_id', key: { keyId: 1 }, unique: true },
    { name: 'key_hash', key: { keyHash: 1 }, unique: true },
    { name: 'organization_keys', key: { organizationId: 1, createdAt: 1, keyId: 1 } },
  ],
};

/**
 * Creates the indexes (idempotent). One index per createIndexes call: FerretDB v1.24 drops the
 * connection when one call names two or more indexes that all exist already, i.e. whenever a
 * second instance or a restart opens the same database.
 */
export async function ensureSchema(db: Db): Promise<void> {
  // The layout before incarnations and the sequencer (one store chain, `globalFrom` on commits)
  // had a `store_chain` index: its data would be invisible to this version.
  const existing = await db.collection('commits').indexes().catch(() => []);
  if (existing.some((index) => index.name === 'store_chain')) {
    throw new UnavailableError(
      'This MongoDB database holds the commits of an earlier Eventlane layout (one store chain); this version cannot read them. Use a new database (MONGODB_DB).',
    );
  }
  await Promise.all(
    Object.entries(INDEXES).map(async ([name, specs]) => {
      const collection = db.collection(name);
      for (const spec of specs) {
        await collection.createIndexes([{ key: spec.key, name: spec.name, ...(spec.unique ? { unique: true } : {}) }]);
      }
    }),
  );
}

/**
 * Whether the server enforces a unique index across array elements (MongoDB does; FerretDB v1 does
 * not). Without it, event-id idempotency needs a lookup before the insert (a narrow race remains:
 * two appends with the same new ids at the same moment; test servers only).
 */
export async function probeMultikeyUnique(db: Db): Promise<boolean> {
  const probe = db.collection<{ _id: string; a: Array<{ b: string }> }>('probe_multikey_unique');
  const value = `probe-${Date.now()}-${Math.random()}`;
  await probe.createIndexes([{ key: { 'a.b': 1 }, name: 'a_b', unique: true }]);
  try {
    await probe.insertOne({ _id: `${value}-1`, a: [{ b: value }] });
    try {
      await probe.insertOne({ _id: `${value}-2`, a: [{ b: value }] });
      return false;
    } catch {
      return true;
    }
  } finally {
    await probe.deleteMany({ _id: { $in: [`${value}-1`, `${value}-2`] } });
  }
}
