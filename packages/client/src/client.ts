import { DEFAULT_LIMITS } from '@eventlane/contracts';
import { DEFAULT_BACKOFF } from './backoff.js';
import type { EventlaneClient, EventlaneClientOptions } from './eventlaneClient.js';
import { createHttpTransport } from './httpTransport.js';
import { defaultLeader, syncLockName, type BroadcastChannelLike } from './leader.js';
import { createLiveStore } from './liveStore.js';
import { browserOnlineSignal, systemClock } from './onlineSignal.js';
import { OutboxDb } from './outboxDb.js';
import { createOutboxControls } from './outboxControls.js';
import { createAppendPreparer } from './prepareAppend.js';
import { createStatusStore, type LocalStatus } from './statusStore.js';
import { StreamCache } from './streamCache.js';
import { SyncEngine, toOutboxError } from './syncEngine.js';
import type { ClientLimits, OutboxEntry, OutboxError } from './types.js';
import { stopWatchingSettled, watchSettled } from './watchSettled.js';

export type { AppendOptions, EventlaneClient, EventlaneClientOptions } from './eventlaneClient.js';

export function createEventlaneClient(options: EventlaneClientOptions): EventlaneClient {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const uuid = options.uuid ?? (() => crypto.randomUUID());
  const limits: ClientLimits = { ...pick(DEFAULT_LIMITS), ...options.limits };
  const prepare = createAppendPreparer(limits, uuid);
  const signal = options.online ?? browserOnlineSignal();
  let apiKey = options.apiKey;
  const db = new OutboxDb(options.dbName, options.dexieOptions);
  const http = createHttpTransport({ baseUrl: options.baseUrl, getApiKey: () => apiKey, fetch: options.fetch, clock });
  const transport = options.transport ?? http;
  const reader = options.reader ?? http;
  const local: LocalStatus = { signal: { online: signal.isOnline(), at: clock.now() }, isLeader: false, persisted: null, localError: null };
  const reportLocalError = (error: OutboxError) => {
    local.localError = error;
    status.localChanged();
  };
  const status = createStatusStore(db, local, (error) => reportLocalError(toOutboxError(error, clock.now())));
  const engine = new SyncEngine({
    db,
    transport,
    reader,
    clock,
    random,
    limits,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    maxParallelStreams: options.maxParallelStreams ?? 4,
    tabId: uuid(),
    onLocalError: reportLocalError,
    isOnline: () => local.signal.online,
  });
  const cache = new StreamCache(db, () => reader, clock, limits.maxPageSize, () => local.signal.online);
  const outbox = createLiveStore(() => db.outbox.orderBy('id').toArray(), [] as OutboxEntry[], (error) => reportLocalError(toOutboxError(error, clock.now())));

  // The snapshots hold the database's state from the start, not placeholders until a first subscribe.
  const ready = Promise.all([outbox.refresh(), status.refresh()]).then(() => undefined);

  const leader = options.leader ?? defaultLeader(syncLockName(options.dbName), clock);
  let closed = false;
  leader.start((isLeader) => {
    local.isLeader = isLeader;
    status.localChanged();
    if (isLeader && !closed) engine.start().catch((error) => reportLocalError(toOutboxError(error, clock.now())));
    else engine.stop();
  });

  const keyChannel = options.keyChannel === undefined ? defaultKeyChannel(options.dbName) : options.keyChannel;
  if (keyChannel) {
    keyChannel.onmessage = (message) => {
      const key = (message.data as { apiKey?: unknown })?.apiKey;
      if (typeof key !== 'string') return;
      apiKey = key;
      // Also here: this tab may have been refused with the old key after the sender's own unpause.
      if (engine.isRunning) endAuthPause().then(() => engine.kick(), (error) => reportLocalError(toOutboxError(error, clock.now())));
    };
  }

  const stopSignal = signal.subscribe((online) => {
    local.signal = { online, at: clock.now() };
    status.localChanged();
    if (online && engine.isRunning) engine.wakeAll(true).catch((error) => reportLocalError(toOutboxError(error, clock.now())));
  });

  const persist =
    options.persistStorage === undefined
      ? (globalThis as { navigator?: { storage?: { persist?: () => Promise<boolean> } } }).navigator?.storage?.persist?.bind(
          (globalThis as { navigator?: { storage?: object } }).navigator?.storage,
        )
      : options.persistStorage;
  persist?.()
    .then((granted) => {
      local.persisted = granted;
      status.localChanged();
    })
    .catch(() => undefined); // not granted is not an error: the data is kept, just evictable

  const controls = createOutboxControls({ db, clock, prepare, kick: () => engine.kick(), reportLocalError });
  const { guarded, endAuthPause } = controls;

  const client: EventlaneClient = {
    db,
    outbox,
    status,
    ready,

    whenSettled: (id) => watchSettled(db, id),

    async append(store, streamId, events, appendOptions) {
      const entry = await controls.enqueue(store, streamId, events, appendOptions);
      return { entry, settled: watchSettled(db, entry.id) };
    },

    sync: async () => {
      await engine.wakeAll();
      await engine.drain();
    },

    retry: controls.retry,
    rebase: controls.rebase,
    edit: controls.edit,
    discard: controls.discard,
    clearSynced: controls.clearSynced,
    pause: controls.pause,
    resume: controls.resume,

    async setApiKey(key) {
      apiKey = key;
      keyChannel?.postMessage({ apiKey: key });
      await guarded(endAuthPause);
      engine.kick();
    },

    async readStream(store, streamId) {
      try {
        const row = await cache.refresh(store, streamId);
        return { ...row, revalidating: false, error: null };
      } catch (error) {
        const cached = await cache.cached(store, streamId);
        if (!cached) throw error;
        return { ...cached, revalidating: false, error: error as Error };
      }
    },

    watchStream: (store, streamId) => cache.watch(store, streamId),

    async close() {
      closed = true;
      stopSignal();
      keyChannel?.close();
      engine.stop();
      await leader.stop();
      stopWatchingSettled(db);
      db.close();
    },
  };
  return client;
}

function defaultKeyChannel(dbName: string): BroadcastChannelLike | null {
  if ((globalThis as { document?: unknown }).document === undefined || typeof BroadcastChannel !== 'function') return null;
  return new BroadcastChannel(`eventlane-key:${dbName}`) as unknown as BroadcastChannelLike;
}

function pick(limits: typeof DEFAULT_LIMITS): ClientLimits {
  return { maxBodyBytes: limits.maxBodyBytes, maxEventsPerAppend: limits.maxEventsPerAppend, maxJsonDepth: limits.maxJsonDepth, maxPageSize: limits.maxPageSize };
}
