import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { registerSW } from 'virtual:pwa-register';
import { App } from './App';
import { SessionStoreContext } from './appContext';
import { SessionStore } from './sessionStore';
import './styles.css';

// The worker precaches the app shell so that the app opens with no network (see vite.config.ts).
if ('serviceWorker' in navigator) registerSW({ immediate: true });

const sessions = new SessionStore(window.location.origin);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionStoreContext.Provider value={sessions}>
      <App />
    </SessionStoreContext.Provider>
  </StrictMode>,
);
