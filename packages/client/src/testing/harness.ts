import { createEventlaneClient, type EventlaneClientOptions } from '../client.js';
import { soleLeader } from '../leader.js';
import { manualOnlineSignal } from '../onlineSignal.js';
import type { OutboxEntry } from '../types.js';
import { FakeClock } from './fakeClock.js';
import { FakeServer } from './fakeServer.js';

/** A client on a fresh fake-indexeddb database, talking to a `FakeServer`, with a fake clock and a manual online signal. */
export function harness(overrides: Partial<EventlaneClientOptions> = {}) {
  const server = new FakeServer();
  const clock = new FakeClock();
  const online = manualOnlineSignal(true);
  const dbName = `eventlane-test-${crypto.randomUUID()}`;
  const options: EventlaneClientOptions = {
    baseUrl: 'http://eventlane.test',
    apiKey: 'el_test',
    dbName,
    fetch: server.fetch,
    clock,
    online,
    random: () => 0.5,
    leader: soleLeader(),
    persistStorage: null,
    ...overrides,
  };
  const client = createEventlaneClient(options);
  return { server, clock, online, client, dbName, options };
}

/** Lets IndexedDB and promise chains run (fake-indexeddb schedules on real macrotasks). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 1));
}

export const event = (type: string, data: Record<string, unknown> = {}) => ({ type, data });

export function states(entries: OutboxEntry[]): string[] {
  return entries.map((entry) => entry.state);
}
