import type { ApiKeyScope } from '@eventlane/contracts';

/** What the admin keeps about the signed-in key, in localStorage (shared by the tabs of one profile). */
export interface Session {
  apiKey: string;
  /** Learned at sign-in when the server tells it; `null` when it could not be asked (e.g. offline). */
  organizationId: string | null;
  scopes: ApiKeyScope[] | null;
}

export const SESSION_KEY = 'eventlane-admin:session';
/** The outbox and read cache of the signed-in operator; deleted on sign-out. */
export const CLIENT_DB_NAME = 'eventlane-admin';
/** Where the query cache is persisted for offline browsing; cleared on sign-out. */
export const QUERY_CACHE_KEY = 'eventlane-admin:query-cache';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<Session>;
    if (typeof value.apiKey !== 'string' || value.apiKey === '') return null;
    return { apiKey: value.apiKey, organizationId: value.organizationId ?? null, scopes: value.scopes ?? null };
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
  localStorage.removeItem(QUERY_CACHE_KEY);
}

/** `el_abc123…`: enough of a key to recognise it, never the whole key on screen. */
export function keyHint(apiKey: string): string {
  return `${apiKey.slice(0, 9)}…`;
}
