import type {
  ApiKeyInfo,
  ApiKeyScope,
  EventStoreStatistics,
  EventStoreSummary,
  ExpectedStreamVersion,
  GlobalEvent,
  StoredEvent,
  StreamSummary,
} from '@eventlane/contracts';
import type { SubscriptionStore } from './subscriptions.js';

/** Every event-store operation is scoped to one organization's store: no call can forget the organization. */
export interface Scope {
  org: string;
  store: string;
}

export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown> | null;
  schemaVersion?: string;
  /** When given, the append is idempotent by this id (see `append`). */
  eventId?: string;
}

export interface AppendOptions {
  /** Omitted means `any`. */
  expectedStreamVersion?: ExpectedStreamVersion;
}

export interface AppendResult {
  /** The stream's version after the append (or after the replayed events). */
  nextExpectedStreamVersion: number;
  /** 0 for an idempotent replay. */
  eventsWritten: number;
}

export type SortDirection = 'asc' | 'desc';

export interface Page {
  limit: number;
  offset?: number;
  sortDirection?: SortDirection;
  /** Count every match too (costs a second query). */
  includeCount?: boolean;
}

export interface ReadStreamOptions extends Page {
  /** Only these event types (any of them). */
  types?: string[];
  /** Stream positions, inclusive. */
  fromPosition?: number;
  toPosition?: number;
}

export interface ReadStoreOptions extends Page {
  streamId?: string;
  types?: string[];
  /** Global positions, inclusive. */
  fromPosition?: number;
  toPosition?: number;
}

export interface EventsPage<E = StoredEvent> {
  events: E[];
  /** Present when `includeCount` was asked. */
  total?: number;
  hasMore: boolean;
}

/**
 * An event as stored, its `data` and `metadata` left as the JSON text the append stored
 * (`JSON.stringify` of what was appended): an answer can splice them without parsing them.
 */
export type JsonTextEvent<E extends StoredEvent = StoredEvent> = Omit<E, 'data' | 'metadata'> & {
  data: string;
  metadata: string | null;
};

/**
 * `readStream` and `readStore` with each event's data and metadata left as JSON text: the same
 * pages, order, snapshots and errors. Optional (SQLite has them); a caller without them parses.
 */
export interface JsonTextReads {
  readStream(scope: Scope, streamId: string, options: ReadStreamOptions): Promise<EventsPage<JsonTextEvent> & { currentStreamVersion: number }>;
  readStore(scope: Scope, options: ReadStoreOptions): Promise<EventsPage<JsonTextEvent<GlobalEvent>>>;
}

export interface ListStreamsOptions extends Page {
  streamType?: string;
  /** A glob over stream ids: `*` any run of characters, `?` one character. */
  streamIdPattern?: string;
  sortBy?: 'streamId' | 'createdAt' | 'updatedAt';
}

export interface StreamsPage {
  streams: StreamSummary[];
  total?: number;
  hasMore: boolean;
}

export interface StoresPage {
  eventStores: EventStoreSummary[];
  total: number;
  hasMore: boolean;
}

export interface EventStoreDetails extends EventStoreSummary {
  statistics: EventStoreStatistics;
}

export interface EventTypeCount {
  type: string;
  count: number;
}

/**
 * The storage port. Both adapters (SQLite, MongoDB) implement it and pass one conformance
 * suite (`@eventlane/store/testing`).
 */
export interface EventStore {
  /**
   * Appends a batch atomically at the end of a stream, creating the store and the stream as needed.
   * Versions count events: a new stream is at 0; after n events it is at n; event k sits at
   * streamPosition k.
   *
   * Idempotency: if every given `eventId` is already stored, in this order, at consecutive
   * positions of this stream, nothing is written and the result has `eventsWritten: 0`.
   *
   * @throws VersionConflictError when the expectation does not hold (nothing written)
   * @throws DuplicateEventIdError when some ids are stored but not as a replay of this append
   * @throws UnavailableError when storage cannot be reached
   * @example
   * await store.append({ org: 'acme', store: 'orders' }, 'order-1',
   *   [{ type: 'order.placed', data: { total: 12 } }], { expectedStreamVersion: 'no_stream' });
   * // → { nextExpectedStreamVersion: 1, eventsWritten: 1 }
   */
  append(scope: Scope, streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;

  /** A stream's events by stream position, plus its version (0 when the stream does not exist). */
  readStream(scope: Scope, streamId: string, options: ReadStreamOptions): Promise<EventsPage & { currentStreamVersion: number }>;

  /**
   * A store's events in global order. A reader that asks repeatedly for
   * `fromPosition = last seen + 1` never skips an event and never sees one twice,
   * whatever concurrent writers do.
   */
  readStore(scope: Scope, options: ReadStoreOptions): Promise<EventsPage<GlobalEvent>>;

  /** Streams of a store with their versions. */
  listStreams(scope: Scope, options: ListStreamsOptions): Promise<StreamsPage>;

  /** Creates an empty store. @throws StoreError EVENT_STORE_EXISTS */
  createStore(scope: Scope, options?: { description?: string | null }): Promise<EventStoreSummary>;

  /** A store with statistics, or null when the organization has no such store. */
  getStore(scope: Scope): Promise<EventStoreDetails | null>;

  /** Stores of an organization, by name. */
  listStores(org: string, page: { limit: number; offset?: number }): Promise<StoresPage>;

  /** Deletes a store with all its streams and events. Returns false when there was none. */
  deleteStore(scope: Scope): Promise<boolean>;

  /** Event counts per type, most frequent first (for charts). */
  countEventsByType(scope: Scope): Promise<EventTypeCount[]>;

  /** Appended events per minute bucket since `since` (ISO), oldest first (for charts). */
  countEventsPerMinute(scope: Scope, since: Date): Promise<Array<{ minute: string; count: number }>>;

  /** The highest global position written in the store, or -1 when it holds no events. */
  headGlobalPosition(scope: Scope): Promise<number>;

  /**
   * Resolves once every event appended to the store so far has its global position, so that a
   * read of the global order shows it. SQLite gives positions in the append itself and resolves at
   * once; MongoDB's sequencer gives them shortly after the append is acknowledged.
   *
   * @throws UnavailableError when that takes longer than `timeoutMs` (default 10 s)
   * @example
   * await store.append(scope, 'order-1', events);
   * await store.waitForGlobalOrder(scope);
   * const { events: all } = await store.readStore(scope, { limit: 100 });
   */
  waitForGlobalOrder(scope: Scope, options?: { timeoutMs?: number }): Promise<void>;

  /**
   * Listens to what happens in this process's storage; returns a function that stops listening.
   *
   * @example
   * const stop = storage.watch({ globalOrderAdvanced: (scope) => wakeTails(scope) });
   */
  watch(listener: Partial<StorageEvents>): () => void;
}

/** What a storage reports to `watch` listeners. Listeners must not throw. */
export interface StorageEvents {
  /**
   * A store's readable global order moved forward in this process (SQLite: an append was
   * committed; MongoDB: this process's sequencer gave positions). Other processes' progress is
   * seen by reading again.
   */
  globalOrderAdvanced(scope: Scope): void;
  /**
   * Work after an acknowledged append, or in the background, failed; it is retried or repaired
   * later (the adapter's notes say how). `operation` names the work, e.g. `stream_head`.
   */
  backgroundFailure(operation: string, error: unknown): void;
}

export interface Organization {
  organizationId: string;
  createdAt: string;
}

/** What is stored for an API key: never the key itself, only its SHA-256 hash. */
export interface ApiKeyRecord extends ApiKeyInfo {
  keyHash: string;
}

export interface KeyStore {
  /** @throws StoreError ORGANIZATION_EXISTS */
  createOrganization(organizationId: string): Promise<Organization>;
  getOrganization(organizationId: string): Promise<Organization | null>;
  listOrganizations(): Promise<Organization[]>;
  /** @throws StoreError ORGANIZATION_NOT_FOUND */
  insertApiKey(record: ApiKeyRecord): Promise<void>;
  /** The key with this hash, revoked or not; null when none. */
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(organizationId: string): Promise<ApiKeyInfo[]>;
  /** Marks the key revoked; returns it, or null when there is no such key (in that organization, if given). */
  revokeApiKey(keyId: string, organizationId?: string): Promise<ApiKeyInfo | null>;
}

/** One storage backend: events, organizations and keys, webhook subscriptions, plus lifecycle. */
export interface Storage extends EventStore, KeyStore, SubscriptionStore {
  readonly backend: 'sqlite' | 'mongodb';
  /** Reads that leave stored JSON unparsed, when the backend has them (see `JsonTextReads`). */
  readonly jsonText?: JsonTextReads;
  /** Resolves when storage answers; throws UnavailableError when it does not. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type { ApiKeyScope };
