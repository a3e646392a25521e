#!/usr/bin/env node
// The `eventlane` command: the compiled CLI (`pnpm build` first). A file of its own so that the
// bin exists in a fresh clone too (pnpm links bins at install, before anything is built).
await import('../dist/cli.js');
