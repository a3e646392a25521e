import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

// The package boundaries (eslint.boundaries.js), checked through the repository's own ESLint
// configuration: each forbidden import is linted as if it were a file at that path, and must
// fail; its allowed counterpart must pass. Issue 14.
const root = fileURLToPath(new URL('..', import.meta.url));
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

async function problems(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: `${root}/${path}` });
  // The snippets import without using: only the boundary rules matter here.
  return result!.messages.filter((message) => message.ruleId !== '@typescript-eslint/no-unused-vars').map((message) => `${message.ruleId}: ${message.message}`);
}

const forbidden: Array<[string, string, string, RegExp]> = [
  ['contracts imports nothing of ours', 'packages/contracts/src/x.ts', "import { isStoreError } from '@eventlane/store';", /contracts imports nothing of ours/],
  ['the client core imports no React', 'packages/client/src/x.ts', "import { useState } from 'react';", /framework-free/],
  ['the client core imports no Node built-in (node:)', 'packages/client/src/x.ts', "import { readFileSync } from 'node:fs';", /no-nodejs-modules/],
  ['the client core imports no Node built-in (bare)', 'packages/client/src/x.ts', "import { EventEmitter } from 'events';", /no-nodejs-modules/],
  ['the client core imports no server code', 'packages/client/src/x.ts', "import { createServer } from '@eventlane/server';", /No server code in a client/],
  ['the client core takes no type from the server\'s main entry', 'packages/client/src/x.ts', "import type { AppRouter } from '@eventlane/server';", /No server code in a client/],
  ['the router entry is for types only', 'packages/client/src/x.ts', "import { AppRouter } from '@eventlane/server/router';", /The router is a type/],
  ['the client imports no store', 'packages/client/src/x.ts', "import { getSQLiteStorage } from '@eventlane/store/sqlite';", /Only the server uses the store/],
  ['the React hooks import no Node built-in', 'packages/client/src/react/x.ts', "import { readFileSync } from 'node:fs';", /no-nodejs-modules/],
  ['admin never imports the store', 'apps/admin/src/x.tsx', "import { getSQLiteStorage } from '@eventlane/store/sqlite';", /Only the server uses the store/],
  ['admin never imports server code', 'apps/admin/src/x.tsx', "import { appRouter } from '@eventlane/server';", /No server code in a client/],
  ['no relative import into another package (store -> contracts)', 'packages/store/src/x.ts', "import { DEFAULT_LIMITS } from '../../contracts/src/limits.js';", /no-relative-packages/],
  ['no relative import into another package (admin -> client)', 'apps/admin/src/x.ts', "import { createEventlaneClient } from '../../../packages/client/src/index.js';", /no-relative-packages/],
  ['compiled code gives relative imports their .js', 'packages/store/src/x.ts', "import { StoreError } from './errors';", /\.js extension/],
];

const allowed: Array<[string, string, string]> = [
  ['contracts uses zod', 'packages/contracts/src/x.ts', "import { z } from 'zod';"],
  ['the client core uses contracts and Dexie', 'packages/client/src/x.ts', "import { DEFAULT_LIMITS } from '@eventlane/contracts';\nimport { Dexie } from 'dexie';"],
  ['the client takes the router type from the types-only entry', 'packages/client/src/x.ts', "import type { AppRouter } from '@eventlane/server/router';"],
  ['the React hooks use React', 'packages/client/src/react/x.ts', "import { useSyncExternalStore } from 'react';"],
  ['admin takes the router type from the types-only entry', 'apps/admin/src/x.tsx', "import type { AppRouter } from '@eventlane/server/router';"],
  ['the server uses the store', 'apps/server/src/x.ts', "import { isStoreError } from '@eventlane/store';"],
  ['the client tests may start a real server', 'packages/client/src/x.int.spec.ts', "import { createServer } from '@eventlane/server';"],
];

describe('package boundaries (eslint.boundaries.js)', () => {
  it.each(forbidden)('%s', async (_name, path, code, rule) => {
    expect((await problems(path, code)).join('\n')).toMatch(rule);
  });

  it.each(allowed)('allows: %s', async (_name, path, code) => {
    expect(await problems(path, code)).toEqual([]);
  });

  it('makes `pnpm lint` (eslint --max-warnings=0) exit non-zero on a forbidden import', async () => {
    const cli = fileURLToPath(import.meta.resolve('eslint/package.json')).replace(/package\.json$/, 'bin/eslint.js');
    const lint = (code: string) =>
      new Promise<{ code: number; output: string }>((resolve) => {
        const child = execFile(process.execPath, [cli, '--max-warnings=0', '--stdin', '--stdin-filename', 'apps/admin/src/x.ts'], { cwd: root }, (error, stdout) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout }),
        );
        child.stdin!.end(code);
      });
    const bad = await lint("import { appRouter } from '@eventlane/server';\nexport const r = appRouter;\n");
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/No server code in a client/);
    expect((await lint("import type { AppRouter } from '@eventlane/server/router';\nexport type R = AppRouter;\n")).code).toBe(0);
  }, 60_000);
});
