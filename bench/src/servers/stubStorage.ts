import type { ApiKeyRecord, Storage } from '@eventlane/store';

/**
 * A storage that answers at once, for the per-request cost of the HTTP layer alone: appends
 * succeed without writing (version = events appended to that stream id so far), keys live in a
 * Map. Everything a benchmark does not call refuses loudly, so a benchmark that starts using it
 * cannot measure an empty answer by mistake.
 */
export function getStubStorage(): Storage {
  const keys = new Map<string, ApiKeyRecord>();
  const versions = new Map<string, number>();
  const organizations = new Set<string>();
  const unsupported = (name: string) => () => Promise.reject(new Error(`the stub storage has no ${name}`));
  return {
    backend: 'sqlite',
    append: (scope, streamId, events) => {
      const key = `${scope.org}\u0000${scope.store}\u0000${streamId}`;
      const next = (versions.get(key) ?? 0) + events.length;
      versions.set(key, next);
      return Promise.resolve({ nextExpectedStreamVersion: next, eventsWritten: events.length });
    },
    findApiKeyByHash: (hash) => Promise.resolve(keys.get(hash) ?? null),
    insertApiKey: (record) => {
      keys.set(record.keyHash, record);
      return Promise.resolve();
    },
    createOrganization: (organizationId) => {
      organizations.add(organizationId);
      return Promise.resolve({ organizationId, createdAt: new Date().toISOString() });
    },
    getOrganization: (organizationId) => Promise.resolve(organizations.has(organizationId) ? { organizationId, createdAt: new Date(0).toISOString() } : null),
    listOrganizations: () => Promise.resolve([...organizations].map((organizationId) => ({ organizationId, createdAt: new Date(0).toISOString() }))),
    watch: () => () => undefined,
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
    waitForGlobalOrder: () => Promise.resolve(),
    readStream: unsupported('readStream'),
    readStore: unsupported('readStore'),
    listStreams: unsupported('listStreams'),
    createStore: unsupported('createStore'),
    getStore: unsupported('getStore'),
    listStores: unsupported('listStores'),
    deleteStore: unsupported('deleteStore'),
    countEventsByType: unsupported('countEventsByType'),
    countEventsPerMinute: unsupported('countEventsPerMinute'),
    headGlobalPosition: unsupported('headGlobalPosition'),
    listApiKeys: unsupported('listApiKeys'),
    revokeApiKey: unsupported('revokeApiKey'),
    createSubscription: unsupported('createSubscription'),
    getSubscription: unsupported('getSubscription'),
    listSubscriptions: unsupported('listSubscriptions'),
    updateSubscription: unsupported('updateSubscription'),
    deleteSubscription: unsupported('deleteSubscription'),
    deleteSubscriptionsOfStore: unsupported('deleteSubscriptionsOfStore'),
    // The webhook dispatcher scans for subscriptions to deliver: there are none.
    listDeliverableSubscriptions: () => Promise.resolve({ subscriptions: [], cursor: null }),
    acquireLease: unsupported('acquireLease'),
    releaseLease: unsupported('releaseLease'),
    recordDeliveryProgress: unsupported('recordDeliveryProgress'),
    addDeliveryAttempt: unsupported('addDeliveryAttempt'),
    listDeliveryAttempts: unsupported('listDeliveryAttempts'),
    loadSecretSealingKey: unsupported('loadSecretSealingKey'),
  };
}
