import { describe, expect, it } from 'vitest';
import { DuplicateEventIdError, StoreError, UnavailableError, VersionConflictError, type Storage } from '@eventlane/store';
import { instrumentStorage } from './instrumentedStorage.js';
import { createMetrics } from './metrics.js';

const scope = { org: 'o', store: 's' };

/** A test double: a storage whose append answers from a queue and whose every other call fails as told. */
function scripted(appends: Array<() => Promise<{ nextExpectedStreamVersion: number; eventsWritten: number }>>, failure: unknown): Storage {
  const fail = () => Promise.reject(failure);
  return new Proxy({ backend: 'sqlite', append: () => appends.shift()!(), watch: () => () => undefined } as unknown as Storage, {
    get: (target, property) => (property in target ? target[property as keyof Storage] : fail),
  });
}

async function value(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name)!;
  const values = (await metric.get()).values;
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
}

describe('instrumentStorage (issue 15: explicit counters instead of a Proxy)', () => {
  it('counts each append outcome where the append answers, and storage failures by operation', async () => {
    const metrics = createMetrics();
    const storage = instrumentStorage(
      scripted(
        [
          () => Promise.resolve({ nextExpectedStreamVersion: 2, eventsWritten: 2 }),
          () => Promise.resolve({ nextExpectedStreamVersion: 2, eventsWritten: 0 }),
          () => Promise.reject(new VersionConflictError(1, 2)),
          () => Promise.reject(new DuplicateEventIdError(['e'])),
          () => Promise.reject(new UnavailableError()),
          () => Promise.reject(new TypeError('boom')),
        ],
        new UnavailableError(),
      ),
      metrics.storage,
    );
    const append = () => storage.append(scope, 'x', [{ type: 't', data: {} }]);
    await append();
    await append();
    for (let i = 0; i < 4; i++) await expect(append()).rejects.toBeInstanceOf(Error);
    await expect(storage.readStream(scope, 'x', { limit: 1 })).rejects.toBeInstanceOf(UnavailableError);

    expect(await value(metrics, 'eventlane_appends_total', { outcome: 'written' })).toBe(1);
    expect(await value(metrics, 'eventlane_appends_total', { outcome: 'replay' })).toBe(1);
    expect(await value(metrics, 'eventlane_appends_total', { outcome: 'version_conflict' })).toBe(1);
    expect(await value(metrics, 'eventlane_appends_total', { outcome: 'duplicate_event_id' })).toBe(1);
    expect(await value(metrics, 'eventlane_appends_total', { outcome: 'error' })).toBe(2);
    expect(await value(metrics, 'eventlane_events_written_total')).toBe(2);
    expect(await value(metrics, 'eventlane_idempotent_replays_total')).toBe(1);
    expect(await value(metrics, 'eventlane_version_conflicts_total')).toBe(1);
    // A 409 is an answer, not a storage failure; unavailable and unexpected errors are.
    expect(await value(metrics, 'eventlane_storage_errors_total', { operation: 'append', kind: 'unavailable' })).toBe(1);
    expect(await value(metrics, 'eventlane_storage_errors_total', { operation: 'append', kind: 'unexpected' })).toBe(1);
    expect(await value(metrics, 'eventlane_storage_errors_total', { operation: 'readStream', kind: 'unavailable' })).toBe(1);
  });

  it('counts a store error that is an answer (not found) as no failure', async () => {
    const metrics = createMetrics();
    const storage = instrumentStorage(scripted([], new StoreError('EVENT_STORE_NOT_FOUND', 'no')), metrics.storage);
    await expect(storage.getStore(scope)).rejects.toBeInstanceOf(StoreError);
    expect(await value(metrics, 'eventlane_storage_errors_total')).toBe(0);
  });
});
