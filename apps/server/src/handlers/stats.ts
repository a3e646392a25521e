import type { AuthContext } from '../http/auth.js';
import { ensureEventStore, scopeOf, type HandlerDeps } from './deps.js';

/** `stats.eventCountsByType`: for the admin app's type chart, most frequent first. */
export async function eventCountsByType({ storage }: HandlerDeps, auth: AuthContext, input: { eventStoreName: string }) {
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  return { counts: await storage.countEventsByType(scope) };
}

/** `stats.eventsPerMinute`: appended events per minute over the last `windowMinutes`, oldest first. */
export async function eventsPerMinute(
  { storage }: HandlerDeps,
  auth: AuthContext,
  input: { eventStoreName: string; windowMinutes: number },
  now: () => Date = () => new Date(),
) {
  const scope = scopeOf(auth, input.eventStoreName);
  await ensureEventStore(storage, scope);
  const since = new Date(now().getTime() - input.windowMinutes * 60_000);
  since.setUTCSeconds(0, 0);
  return { since: since.toISOString(), buckets: await storage.countEventsPerMinute(scope, since) };
}
