import type { Collection, Db } from 'mongodb';
import type { ApiKeyScope } from '@eventlane/contracts';
import type { Scope } from '../eventStore.js';

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
  /** Events per minute of commit time (`minuteKey`), for charts; pruned after 8 days. */
  minutes: Record<string, number>;
}

/** The minute of a time as a document key: `2026-11-30T07:55` (no `.`). */
export function minuteKey(at: Date): string {
  return at.toISOString().slice(0, 16);
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
  instances: 'instances',
  organizations: 'organizations',
  apiKeys: 'api_keys',
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
