import { defineConfig } from 'vitest/config';

// One run over every package; each package keeps its own config (globalSetup, timeouts).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/server', 'apps/admin', 'chaos', 'bench'],
  },
});
