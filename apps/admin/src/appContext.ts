import { createContext, useContext } from 'react';
import type { SessionStore, SignedIn } from './sessionStore';

export const SessionStoreContext = createContext<SessionStore | null>(null);
export const SignedInContext = createContext<SignedIn | null>(null);

export function useSessionStore(): SessionStore {
  const store = useContext(SessionStoreContext);
  if (!store) throw new Error('useSessionStore outside <SessionStoreContext>');
  return store;
}

/** The signed-in client, admin API and session; only rendered below the sign-in gate. */
export function useSignedIn(): SignedIn {
  const signedIn = useContext(SignedInContext);
  if (!signedIn) throw new Error('useSignedIn outside the signed-in app');
  return signedIn;
}
