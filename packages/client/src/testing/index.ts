/**
 * `@eventlane/client/testing`: stand-ins for the environment the client takes as parameters, so
 * an app's tests (and several "tabs" in one Node process) run without a browser:
 *
 * ```ts
 * import 'fake-indexeddb/auto';
 * import { createEventlaneClient, syncLockName, webLocksLeader } from '@eventlane/client';
 * import { FakeClock, FakeLocks, manualOnlineSignal } from '@eventlane/client/testing';
 *
 * const locks = new FakeLocks(); // one per simulated browser: the tabs share it
 * const tab = () => createEventlaneClient({ baseUrl, apiKey, dbName: 'app', leader: webLocksLeader(syncLockName('app'), locks), keyChannel: null });
 * ```
 */
export { FakeChannelHub, FakeLocks } from './fakeLocks.js';
export { FakeClock } from './fakeClock.js';
export { FakeServer } from './fakeServer.js';
export { manualOnlineSignal } from '../onlineSignal.js';
