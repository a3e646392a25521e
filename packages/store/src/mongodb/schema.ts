import type { Collection, Db, IndexDirection } from 'mongodb';
import type { ApiKeyScope } from '@eventlane/contracts';
import type { Scope } from '../eventStore';
import { UnavailableError } from '../errors';

/**
 * The MongoDB layout (NOTES.md has the protocol). Every collection that holds a store's data leads
 * its indexes with (org, store, inc): `org`, `store` are the shard key `{org: 1, store: 1}` (MongoDB
 * enforces a unique index on a sharded collection only when the shard key is its prefix) and `inc`
 * is the store's incarnation, so that a deleted and recreated store never sees the old one's data
 * nor a stale instance's late write.
 */

/** One event inside a commit: `data` and `metadata` as JSON text (FerretDB v1 refuses `$`/`.` keys). */
export interface EventDoc {
  eventId: string;
  type: string;
  data: string;
  metadata: string | null;
  schemaVersion: string | null;
}

/** One append: atomic because it is one document. Immutable once inserted. */
export interface CommitDoc {
  /** `commitId(...)`: unique like the stream chain, and a key every backend can look up. */
  _id: string;
  org: string;
  store: string;
  inc: string;
  streamId: string;
  streamType: string;
  /** Stream positions fromVersion..toVersion, inclusive. */
  fromVersion: number;
  toVersion: number;
  count: number;
  transactionId: string;
  createdAt: Date;
  /** The instance that inserted it (crash recovery finds a dead instance's unsequenced commits). */
  writer: string;
  events: EventDoc[];
}

/** What the sequencer needs of a commit: everything but its events' data. */
export interface CommitMeta {
  /** The commit's `_id`. */
  _id: string;
  org: string;
  store: string;
  inc: string;
  streamId: string;
  streamType: string;
  fromVersion: number;
  toVersion: number;
  createdAt: Date;
  /** How many events of each type, in order of first appearance. */
  typeCounts: Array<{ t: string; n: number }>;
}

/** A commit that has no global position yet. Written after the commit, removed by the sequencer. */
export type MarkerDoc = CommitMeta;

/** The sequencer's view of a commit. */
export function commitMeta(commit: Pick<CommitDoc, '_id' | 'org' | 'store' | 'inc' | 'streamId' | 'streamType' | 'fromVersion' | 'toVersion' | 'createdAt'> & { events: Array<{ type: string }> }): CommitMeta {
  const counts = new Map<string, number>();
  for (const e of commit.events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return {
    _id: commit._id,
    org: commit.org,
    store: commit.store,
    inc: commit.inc,
    streamId: commit.streamId,
    streamType: commit.streamType,
    fromVersion: commit.fromVersion,
    toVersion: commit.toVersion,
    createdAt: commit.createdAt,
    typeCounts: [...counts].map(([t, n]) => ({ t, n })),
  };
}

/** A commit's place in the store's global order. Immutable: positions are never given twice. */
export interface PositionDoc {
  /** `positionId(scope, inc, g)`: two sequencers can never both claim `g`. */
  _id: string;
  org: string;
  store: string;
  inc: string;
  /** The commit holds global positions g..g+count-1. */
  g: number;
  count: number;
  /** Unique with fromVersion: no commit is sequenced twice. */
  streamId: string;
  streamType: string;
  fromVersion: number;
  commit: string;
  /** The distinct event types of the commit, and how many events of each (for filters and counters). */
  types: string[];
  typeCounts: Array<{ t: string; n: number }>;
  createdAt: Date;
  /** When the sequencer claimed it (its clock): `sequencedAt - createdAt` is the sequencing lag. */
  sequencedAt: Date;
  /** The sequencer lease token it was claimed under (for audits). */
  token: number;
}

/** The stream head: the version counter, moved with `$max`; a fast path, repaired by the chain. */
export interface StreamDoc {
  /** `streamKey(scope, inc, streamId)` */
  _id: string;
  org: string;
  store: string;
  inc: string;
  streamId: string;
  streamType: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A store: its incarnation and its counters (kept by the sequencer, as positions are claimed). */
export interface StoreDoc {
  /** `storeKey(scope)` */
  _id: string;
  org: string;
  store: string;
  /** A new random id each time the store is (re)created. */
  inc: string;
  description: string | null;
  createdAt: Date;
  /** Positions below this are counted in the fields below (a counter update is applied once). */
  countedTo: number;
  events: number;
  streams: number;
  /** Event counts by type; keys are `encodeTypeKey(type)` (no `.` or leading `$`). */
  types: Record<string, number>;
  firstEventAt: Date | null;
  lastEventAt: Date | null;
}

/** The sequencer lease of one store incarnation. */
export interface SequencerDoc {
  _id: string;
  org: string;
  store: string;
  inc: string;
  holder: string | null;
  /** Fencing token: bumped on every acquisition. */
  token: number;
  expiresAt: Date;
}

/** Events per minute of a store (for charts), by the minute of their commit. */
export interface MinuteCountDoc {
  _id: string;
  org: string;
  store: string;
  inc: string;
  /** `2026-11-30T07:55:00.000Z` */
  minute: string;
  count: number;
}

/** A live server instance; a survivor recovers a dead one's unmarked commits. */
export interface InstanceDoc {
  _id: string;
  expiresAt: Date;
  /** Every commit this instance created before this time has its marker (or was sequenced). */
  cleanUntil: Date;
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

// Names of organizations and stores have no `:`, so these keys are unambiguous; a stream id may
// have one, so it always comes last.
export const storeKey = (scope: Scope): string => `${scope.org}:${scope.store}`;
export const streamKey = (scope: Scope, inc: string, streamId: string): string => `${scope.org}:${scope.store}:${inc}:${streamId}`;
export const commitId = (scope: Scope, inc: string, streamId: string, fromVersion: number): string =>
  `${scope.org}:${scope.store}:${inc}:${fromVersion}:${streamId}`;
export const positionId = (scope: Scope, inc: string, g: number): string => `${scope.org}:${scope.store}:${inc}:${g}`;
export const incarnationKey = (scope: Scope, inc: string): string => `${scope.org}:${scope.store}:${inc}`;

/** A type name as a document key: `%`, `.` and a leading `$` escaped, so any type is a plain field. */
export function encodeTypeKey(type: string): string {
  return type.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
}
export function decodeTypeKey(key: string): string {
  return key.replace(/%24/g, '$').replace(/%2E/g, '.').replace(/%25/g, '%');
}

export interface Collections {
  commits: Collection<CommitDoc>;
  markers: Collection<MarkerDoc>;
  positions: Collection<PositionDoc>;
  streams: Collection<StreamDoc>;
  stores: Collection<StoreDoc>;
  sequencers: Collection<SequencerDoc>;
  minuteCounts: Collection<MinuteCountDoc>;
  instances: Collection<InstanceDoc>;
  organizations: Collection<OrganizationDoc>;
  apiKeys: Collection<ApiKeyDoc>;
}

export const COLLECTION_NAMES: Record<keyof Collections, string> = {
  commits: 'commits',
  markers: 'markers',
  positions: 'positions',
  streams: 'streams',
  stores: 'stores',
  sequencers: 'sequencers',
  minuteCounts: 'minute_counts',
  instances: 'instances',
  organizations: 'organizations',
  apiKeys: 'api_keys',
};

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
  minute_counts: [{ name: 'minute', key: { org: 1, store: 1, inc: 1, minute: 1 } }],
  instances: [{ name: 'expiry', key: { expiresAt: 1 } }],
  organizations: [{ name: 'organization', key: { organizationId: 1 }, unique: true }],
  api_keys: [
    { name: 'key_id', key: { keyId: 1 }, unique: true },
    { name: 'key_hash', key: { keyHash: 1 }, unique: true },
    { name: 'organization_keys', key: { organizationId: 1, createdAt: 1, keyId: 1 } },
  ],
};

export interface Durability {
  /** Applied unless the connection string sets `w` / `journal`. */
  writeConcern?: { w: 'majority'; journal: true };
  /** Applied unless the connection string sets `readConcernLevel`. */
  readConcern?: { level: 'majority' };
}

export function collections(db: Db, durability: Durability): Collections {
  const entries = Object.entries(COLLECTION_NAMES).map(([key, name]) => [key, db.collection(name, durability)]);
  return Object.fromEntries(entries) as unknown as Collections;
}

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
