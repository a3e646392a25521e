import { createEventlaneClient, OutboxDb, type EventlaneClient } from '@eventlane/client';
import { createApiClient, describeFailure, type ApiClient } from './api/trpc';
import { CLIENT_DB_NAME, SESSION_KEY, clearSession, keyHint, loadSession, saveSession, type Session } from './session';

export interface SignedIn {
  session: Session;
  client: EventlaneClient;
  /** Typed tRPC client for every read and administration call. */
  api: ApiClient;
}

type Listener = () => void;

/**
 * The signed-in state outside React: one client (outbox, sync, read cache) lives from sign-in to
 * sign-out, whatever the components do; a new key after a 401 (`replaceKey`) keeps it and its queue.
 */
export class SessionStore {
  private current: SignedIn | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly baseUrl: string) {
    const session = loadSession();
    if (session) this.current = this.open(session);
    // Another tab signed in, out, or gave a new key.
    window.addEventListener('storage', (event) => {
      if (event.key !== SESSION_KEY && event.key !== null) return;
      const next = loadSession();
      if (!next && this.current) void this.closeLocal();
      else if (next && !this.current) this.set(this.open(next));
      else if (next && this.current && next.apiKey !== this.current.session.apiKey) {
        void this.current.client.setApiKey(next.apiKey);
        this.set({ ...this.current, session: next });
      }
    });
  }

  subscribe = (listener: Listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => this.current;

  /** Checks the key against the server, then keeps it. Offline, the key is kept unchecked (sync will tell). */
  async signIn(apiKey: string): Promise<{ verified: boolean }> {
    const key = apiKey.trim();
    const probe = await describeKey(this.baseUrl, key);
    const session: Session = { apiKey: key, organizationId: probe.organizationId, scopes: probe.scopes };
    saveSession(session);
    this.set(this.open(session));
    return { verified: probe.verified };
  }

  /** A new key for the same operator (after a 401): the outbox and caches are kept and sync resumes. */
  async replaceKey(apiKey: string): Promise<void> {
    const key = apiKey.trim();
    const probe = await describeKey(this.baseUrl, key);
    if (!this.current) {
      await this.signIn(key);
      return;
    }
    const session: Session = {
      apiKey: key,
      organizationId: probe.organizationId ?? this.current.session.organizationId,
      scopes: probe.scopes ?? this.current.session.scopes,
    };
    saveSession(session);
    this.set({ ...this.current, session });
    await this.current.client.setApiKey(key);
  }

  /** Learns the organization and scopes of a key that was accepted unchecked (signed in offline). */
  async refreshIdentity(): Promise<void> {
    const signedIn = this.current;
    if (!signedIn || signedIn.session.organizationId !== null) return;
    const probe = await describeKey(this.baseUrl, signedIn.session.apiKey).catch(() => null);
    if (!probe?.verified || this.current !== signedIn || probe.organizationId === null) return;
    const session: Session = { ...signedIn.session, organizationId: probe.organizationId, scopes: probe.scopes ?? signedIn.session.scopes };
    saveSession(session);
    this.set({ ...signedIn, session });
  }

  /** Forgets the key and deletes the outbox and every cached read of this browser profile. */
  async signOut(): Promise<void> {
    clearSession();
    await this.closeLocal();
  }

  private async closeLocal(): Promise<void> {
    const signedIn = this.current;
    this.set(null);
    if (!signedIn) return;
    await signedIn.client.close();
    await new OutboxDb(CLIENT_DB_NAME).delete().catch(() => undefined);
  }

  private open(session: Session): SignedIn {
    const getApiKey = () => this.current?.session.apiKey ?? session.apiKey;
    const client = createEventlaneClient({
      baseUrl: this.baseUrl,
      apiKey: session.apiKey,
      dbName: CLIENT_DB_NAME,
      // An operator watches the app: waits between retries stay short.
      backoff: { baseMs: 1000, maxMs: 15_000 },
    });
    return { session, client, api: createApiClient({ baseUrl: this.baseUrl, getApiKey }) };
  }

  private set(next: SignedIn | null): void {
    this.current = next;
    this.listeners.forEach((listener) => listener());
  }
}

/** Thrown when a key is refused at sign-in or when it is replaced. */
export class KeyRefusedError extends Error {
  override name = 'KeyRefusedError';
}

/**
 * Asks the server who a key is. A 401 throws (the key is wrong); no answer returns `verified: false`
 * so that an operator can still sign in and queue appends offline.
 */
export async function describeKey(baseUrl: string, apiKey: string): Promise<{ verified: boolean; organizationId: string | null; scopes: Session['scopes'] }> {
  if (!/^el_\S+$/.test(apiKey)) throw new KeyRefusedError('An Eventlane API key starts with "el_".');
  const api = createApiClient({ baseUrl, getApiKey: () => apiKey });
  const refused = () => new KeyRefusedError(`The server does not accept the key ${keyHint(apiKey)} (unknown or revoked).`);
  try {
    const { apiKeys } = await api.apiKeys.list.query();
    const mine = apiKeys.find((info) => apiKey.startsWith(info.prefix));
    return { verified: true, organizationId: mine?.organizationId ?? apiKeys[0]?.organizationId ?? null, scopes: mine?.scopes ?? null };
  } catch (error) {
    const failure = describeFailure(error);
    if (failure.kind === 'network') return { verified: false, organizationId: null, scopes: null };
    if (failure.kind === 'auth') throw refused();
    // Not an admin key (403), or the key procedures are missing: the stores tell the organization.
  }
  try {
    const { eventStores } = await api.eventStores.list.query({ limit: 1, offset: 0 });
    const first = eventStores[0];
    const organizationId = first ? ((await api.eventStores.get.query({ eventStoreName: first.eventStoreName })).eventStoreId.split(':')[0] ?? null) : null;
    return { verified: true, organizationId, scopes: null };
  } catch (error) {
    const failure = describeFailure(error);
    if (failure.kind === 'network') return { verified: false, organizationId: null, scopes: null };
    if (failure.kind === 'auth') throw refused();
    // A key with only the append scope can still queue appends.
    return { verified: true, organizationId: null, scopes: null };
  }
}
