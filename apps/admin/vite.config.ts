import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// `pnpm dev` runs Vite against a local server (EVENTLANE_URL, default the server's default port);
// `pnpm start` at the root serves the built `dist/` from the server itself, same origin as the API.
const target = process.env.EVENTLANE_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  // The workspace's packages from their TypeScript source, so the app builds without building them first.
  resolve: { conditions: ['@eventlane/source', 'module', 'browser', 'development|production'] },
  plugins: [
    react(),
    VitePWA({
      // The app shell is precached so that a reload with no network still shows the app, its
      // cached data (IndexedDB, localStorage) and the outbox. API calls are never cached by the
      // worker: reads are cached by the client library and the query cache, appends go to the outbox.
      strategies: 'generateSW',
      registerType: 'autoUpdate',
      injectRegister: false,
      filename: 'sw.js',
      manifest: {
        name: 'Eventlane admin',
        short_name: 'Eventlane',
        start_url: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1f3a5f',
        icons: [{ src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml' }],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/trpc\//, /^\/healthz/, /^\/readyz/, /^\/openapi/],
        clientsClaim: true,
        skipWaiting: true,
        cleanupOutdatedCaches: true,
        maximumFileSizeToCacheInBytes: 5 * 1024 * 1024,
      },
    }),
  ],
  server: {
    proxy: { '/api': target, '/trpc': target, '/healthz': target, '/openapi.json': target },
  },
  build: { sourcemap: false, chunkSizeWarningLimit: 1500 },
});
