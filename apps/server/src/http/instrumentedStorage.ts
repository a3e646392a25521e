import type { JsonTextReads, Storage } from '@eventlane/store';
import type { StorageMetrics } from './metrics.js';

/** The port's asynchronous operations: each is counted when it fails. */
type StorageOperation = {
  [K in keyof Storage]-?: Storage[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof Storage];

/**
 * Every asynchronous operation of the port. A new port operation must be added here: the check
 * below fails the typecheck until it is (so that no operation goes uncounted).
 */
const OPERATIONS = [
  'append',
  'readStream',
  'readStore',
  'listStreams',
  'createStore',
  'getStore',
  'listStores',
  'deleteStore',
  'countEventsByType',
  'countEventsPerMinute',
  'headGlobalPosition',
  'waitForGlobalOrder',
  'createOrganization',
  'getOrganization',
  'listOrganizations',
  'insertApiKey',
  'findApiKeyByHash',
  'listApiKeys',
  'revokeApiKey',
  'createSubscription',
  'getSubscription',
  'listSubscriptions',
  'updateSubscription',
  'deleteSubscription',
  'deleteSubscriptionsOfStore',
  'listDeliverableSubscriptions',
  'acquireLease',
  'releaseLease',
  'recordDeliveryProgress',
  'addDeliveryAttempt',
  'listDeliveryAttempts',
  'loadSecretSealingKey',
  'ping',
  'close',
] as const satisfies readonly StorageOperation[];
type Unlisted = Exclude<StorageOperation, (typeof OPERATIONS)[number]>;
const everyOperationListed: [Unlisted] extends [never] ? true : { unlisted: Unlisted } = true;
void everyOperationListed;

/**
 * The storage the server uses, with its outcomes counted where they happen: a decorator built
 * once, no per-call Proxy. The append is spelled out: a written append, a replay, a version
 * conflict (a 409) or a duplicate id (a 409) each go to their counter (`StorageMetrics`). Every
 * operation's failure is counted by operation when storage was unavailable or the error unexpected.
 */
export function instrumentStorage(storage: Storage, metrics: StorageMetrics): Storage {
  const counting = <T extends object>(target: T, operation: keyof T & string) => {
    const call = target[operation] as (...args: unknown[]) => Promise<unknown>;
    return async (...args: unknown[]) => {
      try {
        return await call.apply(target, args);
      } catch (error) {
        metrics.failed(operation, error);
        throw error;
      }
    };
  };
  const counted = {} as Record<StorageOperation, unknown>;
  for (const operation of OPERATIONS) counted[operation] = counting(storage, operation);
  const { jsonText } = storage;
  return {
    ...(counted as Pick<Storage, StorageOperation>),
    backend: storage.backend,
    // Counted under the port operation they stand for.
    ...(jsonText
      ? {
          jsonText: {
            readStream: counting(jsonText, 'readStream'),
            readStore: counting(jsonText, 'readStore'),
          } as JsonTextReads,
        }
      : {}),
    watch: (listener) => storage.watch(listener),
    async append(scope, streamId, events, options) {
      try {
        const result = await storage.append(scope, streamId, events, options);
        metrics.appended(result);
        return result;
      } catch (error) {
        metrics.appendRefused(error);
        metrics.failed('append', error);
        throw error;
      }
    },
  };
}
