#!/usr/bin/env node
// Gives every relative import and export in the compiled packages' sources a `.js` extension
// (`./client` -> `./client.js`, `./routers` -> `./routers/index.js`). Node runs the compiled ESM
// in dist/ and needs full specifiers; TypeScript (moduleResolution NodeNext) maps `.js` back to
// the `.ts` source. Idempotent: `node scripts/addImportExtensions.mjs` after a merge fixes new files.
// Spec files are left alone: vitest resolves them, and they are not compiled.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dirs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['packages/contracts/src', 'packages/store/src', 'packages/client/src', 'apps/server/src'];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.tsx?$/.test(name) && !/\.spec\.tsx?$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

function withExtension(file, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return specifier;
  if (/\.(m?js|json|css|svg)$/.test(specifier)) return specifier;
  const base = resolve(dirname(file), specifier);
  if (/\.tsx?$/.test(specifier)) return specifier.replace(/\.tsx?$/, '.js');
  if (existsSync(`${base}.ts`) || existsSync(`${base}.tsx`)) return `${specifier}.js`;
  if (existsSync(join(base, 'index.ts')) || existsSync(join(base, 'index.tsx'))) return `${specifier.replace(/\/$/, '')}/index.js`;
  throw new Error(`${file}: cannot resolve ${specifier}`);
}

let changed = 0;
for (const dir of dirs) {
  for (const file of files(join(root, dir))) {
    const source = readFileSync(file, 'utf8');
    const next = source.replace(/(\b(?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*)\2/g, (_all, lead, quote, specifier) => `${lead}${quote}${withExtension(file, specifier)}${quote}`);
    if (next !== source) {
      writeFileSync(file, next);
      changed++;
    }
  }
}
console.log(`addImportExtensions: ${changed} files changed`);
