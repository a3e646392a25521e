import type { Collection, Db, Document, IndexDescription } from 'mongodb';
import type { ApiKeyScope } from '@eventlane/contracts';
import type { Scope } from '../eventStore.js';

/**
 * One event inside a commit. `data` and `metadata` are kept as JSON strings, not as BSON
 * sub-documents: FerretDB v1 rejects keys that start with `$` or contain `.` ("invalid key"),
 * and even MongoDB treats such keys specially in updates and queries. A string round-trips any
 * JSON key (`$set`, `a.b`, `""`, unicode) and key order unchanged, and is never interpreted.
 */
export interface EventDoc {
  eventId: string;
  type: string;
  data: string;
  metadata: string | null;
  schemaVersion: string | null;
}

/**
 * One append = one commit document, so a batch is atomic without transactions. Positions are
 * inclusive: the commit holds stream positions fromVersion..toVersion and global positions
 * globalFrom..globalTo. Two unique indexes chain the commits: (streamId, fromVersion) per stream
 * and (globalFrom) per store; a writer only ever inserts at a real end of both chains.
 */
export interface CommitDoc {
  /** `commitId(scope, globalFrom)`: a commit is found by its global position with one key lookup. */
  _id: string;
  org: string;
  store: string;
  streamId: string;
  streamType: string;
  fromVersion: number;
  toVersion: number;
  globalFrom: number;
  globalTo: number;
  count: number;
  transactionId: string;
  createdAt: Date;
  events: EventDoc[];
}

/** The stream head: a fast path for listing and counting streams; may lag by a crashed commit. */
export interface StreamDoc {
  /** `streamKey(scope, streamId)` */
  _id: string;
  org: string;
  store: string;
  streamId: string;
  streamType: string;
  /** The stream version: number of events. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoreDoc {
  /** `storeKey(scope)` */
  _id: string;
  org: string;
  store: string;
  description: string | null;
  createdAt: Date;
}

export interface OrganizationDoc {
  organizationId: string;
  createdAt: Date;
}

export interface ApiKeyDoc {
  keyId: string;
  organizationId: string;
  name: string | null;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  revokedAt: string | null;
  keyHash: string;
}

// Keys by `_id`: on FerretDB v1's SQLite handler only an `_id` equality reaches SQLite (every
// other filter is a scan of the collection), and on MongoDB `_id` is an index anyway. Names of
// organizations and stores have no `:`, so the keys are unambiguous.
export const storeKey = (scope: Scope): string => `${scope.org}:${scope.store}`;
export const streamKey = (scope: Scope, streamId: string): string => `${scope.org}:${scope.store}:${streamId}`;
export const commitId = (scope: Scope, globalFrom: number): string => `${scope.org}:${scope.store}:${globalFrom}`;

export interface Collections {
  commits: Collection<CommitDoc>;
  streams: Collection<StreamDoc>;
  stores: Collection<StoreDoc>;
  organizations: Collection<OrganizationDoc>;
  apiKeys: Collection<ApiKeyDoc>;
}

export function collections(db: Db): Collections {
  return {
    commits: db.collection<CommitDoc>('commits'),
    streams: db.collection<StreamDoc>('streams'),
    stores: db.collection<StoreDoc>('stores'),
    organizations: db.collection<OrganizationDoc>('organizations'),
    apiKeys: db.collection<ApiKeyDoc>('api_keys'),
  };
}

type IndexSpec = IndexDescription;

/**
 * Creates the collections' indexes (idempotent). Every index here works on FerretDB v1 too; it has
 * no partial indexes, and its unique indexes are not enforced across array elements, so the
 * event-id index is a plain one (the store chain, not this index, makes idempotency safe).
 *
 * One index per call: FerretDB v1.24 drops the connection (a server-side panic) when one
 * createIndexes call names two or more indexes that all exist already, i.e. whenever a second
 * instance or a restart opens the same database.
 */
export async function ensureSchema(c: Collections): Promise<void> {
  const create = async <T extends Document>(collection: Collection<T>, specs: IndexSpec[]) => {
    for (const spec of specs) await collection.createIndexes([spec]);
  };
  await Promise.all([
    create(c.commits, [
      { key: { org: 1, store: 1, streamId: 1, fromVersion: 1 }, name: 'stream_chain', unique: true },
      { key: { org: 1, store: 1, globalFrom: 1 }, name: 'store_chain', unique: true },
      { key: { org: 1, store: 1, globalTo: 1 }, name: 'store_chain_end' },
      { key: { org: 1, store: 1, 'events.eventId': 1 }, name: 'event_ids' },
    ]),
    create(c.streams, [
      { key: { org: 1, store: 1, streamId: 1 }, name: 'stream', unique: true },
      { key: { org: 1, store: 1, streamType: 1, streamId: 1 }, name: 'stream_type' },
    ]),
    create(c.stores, [{ key: { org: 1, store: 1 }, name: 'store', unique: true }]),
    create(c.organizations, [{ key: { organizationId: 1 }, name: 'organization', unique: true }]),
    create(c.apiKeys, [
      { key: { keyId: 1 }, name: 'key_id', unique: true },
      { key: { keyHash: 1 }, name: 'key_hash', unique: true },
      { key: { organizationId: 1 }, name: 'organization' },
    ]),
  ]);
}
