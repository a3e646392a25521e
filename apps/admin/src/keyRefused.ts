import { useCallback, useEffect, useState } from 'react';

/*
 * A read refused with 401 (the key was revoked or is unknown) asks for a new key the same way a
 * refused append does (the client library pauses sync then). Reads happen in many places, so they
 * report it here and the shell shows the sign-in prompt.
 */
const EVENT = 'eventlane-admin:key-refused';

export function reportKeyRefused(): void {
  window.dispatchEvent(new Event(EVENT));
}

/** True once a read was refused, until `clear()` (after a new key was accepted). */
export function useKeyRefused(): { refused: boolean; clear(): void } {
  const [refused, setRefused] = useState(false);
  useEffect(() => {
    const onRefused = () => setRefused(true);
    window.addEventListener(EVENT, onRefused);
    return () => window.removeEventListener(EVENT, onRefused);
  }, []);
  const clear = useCallback(() => setRefused(false), []);
  return { refused, clear };
}
