import { useSyncStatus } from '@eventlane/client/react';
import { useSignedIn } from '../appContext';
import { formatAge, useNow } from '../format';

/** Always visible: online or not, syncing, what is waiting, and the last error. */
export function StatusBar() {
  const { client } = useSignedIn();
  const status = useSyncStatus(client);
  const now = useNow(5_000);
  const state = status.paused === 'auth' ? 'Paused: key refused' : status.paused === 'manual' ? 'Paused' : status.syncing ? 'Syncing…' : 'Idle';
  return (
    <footer className="status-bar" aria-label="Sync status">
      <div role="status" aria-live="polite" className="status-items">
        <span data-testid="status-online" className={status.online ? 'pill ok' : 'pill warn'}>
          {status.online ? 'Online' : 'Offline'}
        </span>
        <span data-testid="status-sync" className="pill">
          {state}
        </span>
        <span data-testid="status-pending">
          Pending: <strong>{status.pendingCount}</strong>
        </span>
        {status.conflictCount > 0 ? <span className="pill warn">Conflicts: {status.conflictCount}</span> : null}
        {status.rejectedCount > 0 ? <span className="pill bad">Rejected: {status.rejectedCount}</span> : null}
        <span className="muted">{status.lastSyncAt ? `Last sync ${formatAge(now - status.lastSyncAt)}` : 'Not synced yet'}</span>
        {status.lastError ? (
          <span data-testid="status-error" className="error" title={status.lastError.message}>
            Last error: {status.lastError.message}
          </span>
        ) : null}
        <span className="muted">{status.isLeader ? 'This tab syncs' : 'Another tab syncs'}</span>
      </div>
      <div className="status-actions">
        {status.paused === 'manual' ? (
          <button type="button" className="secondary" onClick={() => void client.resume()}>
            Resume sync
          </button>
        ) : (
          <button type="button" className="secondary pause-button" onClick={() => void client.pause()} disabled={status.paused === 'auth'}>
            Pause sync
          </button>
        )}
        <button type="button" onClick={() => void client.sync()} disabled={status.paused !== null}>
          Sync now
        </button>
      </div>
    </footer>
  );
}
