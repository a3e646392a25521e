import type BetterSqlite3 from 'better-sqlite3';
import { UnavailableError } from '../errors.js';

/** Bumped whenever the layout below changes; a newer file is refused rather than misread. */
export const SCHEMA_VERSION = 2;

/**
 * One file holds every organization's stores. Each table leads with (org, store) so that every
 * query of a store is an index range and nothing can cross organizations by accident.
 *
 * - `stores.next_global_position` is the per-store counter: the append transaction reads and
 *   bumps it under the write lock, so global positions are contiguous, 0-based and in commit order.
 * - `streams` mirrors each stream's head (version = number of events) for version checks and
 *   listing; `last_global_position` orders streams by last update when timestamps tie.
 * - `events.data` / `metadata` are JSON text: any key (`$where`, `a.b`, `""`) round-trips and is
 *   never interpreted.
 * - The three UNIQUE constraints on `events` are the backstop for invariants 1, 5 and 6; the
 *   append transaction checks first, so they should never fire.
 */
const SCHEMA_V1 = `
CREATE TABLE stores (
  org TEXT NOT NULL,
  store TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  next_global_position INTEGER NOT NULL DEFAULT 0 CHECK (next_global_position >= 0),
  PRIMARY KEY (org, store)
) WITHOUT ROWID;

CREATE TABLE streams (
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  store TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  stream_type TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 0),
  last_global_position INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (org, store, stream_id)
);
CREATE INDEX streams_by_type ON streams (org, store, stream_type, stream_id);
CREATE INDEX streams_by_created_at ON streams (org, store, created_at);
CREATE INDEX streams_by_updated_at ON streams (org, store, updated_at, last_global_position);

CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  store TEXT NOT NULL,
  global_position INTEGER NOT NULL CHECK (global_position >= 0),
  stream_id TEXT NOT NULL,
  stream_type TEXT NOT NULL,
  stream_position INTEGER NOT NULL CHECK (stream_position >= 0),
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT,
  schema_version TEXT,
  transaction_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (org, store, global_position),
  UNIQUE (org, store, stream_id, stream_position),
  UNIQUE (org, store, event_id)
);
CREATE INDEX events_by_type ON events (org, store, type, global_position);
CREATE INDEX events_by_created_at ON events (org, store, created_at);

CREATE TABLE organizations (
  organization_id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_keys (
  key_id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations (organization_id),
  name TEXT,
  prefix TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX api_keys_by_organization ON api_keys (organization_id, created_at);
`;

/**
 * Version 2 (issue 12): webhook subscriptions and their deliveries log, added to a version-1 file
 * as it is (no existing table changes). The lease lives in the subscription's row: an UPDATE
 * under the write lock takes or renews it atomically.
 */
const SCHEMA_V2 = `
CREATE TABLE subscriptions (
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  store TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types TEXT,
  stream_type TEXT,
  stream_id_pattern TEXT,
  batch_size INTEGER NOT NULL CHECK (batch_size >= 1),
  description TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'paused', 'failing')),
  position INTEGER NOT NULL CHECK (position >= 0),
  last_delivered_at TEXT,
  last_error TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  pending TEXT,
  sealed_secret TEXT NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0,
  lease_token INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT,
  lease_expires_at INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (org, store, subscription_id)
);

CREATE TABLE subscription_deliveries (
  id INTEGER PRIMARY KEY,
  org TEXT NOT NULL,
  store TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  from_position INTEGER NOT NULL,
  to_position INTEGER NOT NULL,
  event_count INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms REAL NOT NULL,
  attempted_at TEXT NOT NULL
);
CREATE INDEX subscription_deliveries_by_subscription ON subscription_deliveries (org, store, subscription_id, id);
`;

function userVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Creates the tables on first open, and adds those of later versions to an older file. Runs
 * under BEGIN IMMEDIATE so that a server and a CLI opening a fresh data folder at the same time
 * cannot both create them.
 */
export function migrate(db: BetterSqlite3.Database): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  db.transaction(() => {
    const version = userVersion(db);
    if (version === SCHEMA_VERSION) return;
    if (version > SCHEMA_VERSION)
      throw new UnavailableError(
        `The data file was written by a newer Eventlane (schema ${version}, this one knows ${SCHEMA_VERSION})`,
      );
    // A new file gets every version in turn; an older one only what it lacks.
    if (version < 1) db.exec(SCHEMA_V1);
    if (version < 2) db.exec(SCHEMA_V2);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
