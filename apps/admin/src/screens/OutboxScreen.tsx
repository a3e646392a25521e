import { useState } from 'react';
import { useOutbox } from '@eventlane/client/react';
import { useSignedIn } from '../appContext';
import { OutboxEntryCard } from '../components/OutboxEntryCard';

export function OutboxScreen() {
  const { client } = useSignedIn();
  const outbox = useOutbox(client);
  const [showSynced, setShowSynced] = useState(false);
  const synced = outbox.filter((entry) => entry.state === 'synced').length;
  const shown = showSynced ? outbox : outbox.filter((entry) => entry.state !== 'synced');
  return (
    <section aria-labelledby="outbox-title">
      <header className="screen-header">
        <h1 id="outbox-title">Outbox</h1>
        <p className="muted">
          Every append goes here first and is sent in order, per stream. {outbox.length - synced} waiting or needing attention, {synced} synced.
        </p>
        <div className="actions">
          <span className="toggle">
            <input id="show-synced" type="checkbox" checked={showSynced} onChange={(event) => setShowSynced(event.target.checked)} />
            <label htmlFor="show-synced">Show synced</label>
          </span>
          <button type="button" className="secondary" onClick={() => void client.clearSynced()} disabled={synced === 0}>
            Clear synced ({synced})
          </button>
        </div>
      </header>
      {shown.length === 0 ? (
        <p className="empty">{outbox.length === 0 ? 'The outbox is empty: nothing was appended from this browser yet.' : 'Nothing waiting: every append is on the server.'}</p>
      ) : (
        <ol className="entries" aria-label="Outbox entries">
          {shown.map((entry) => (
            <li key={entry.id}>
              <OutboxEntryCard entry={entry} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
