// The package boundaries of DESIGN.md, enforced (eslint.boundaries.spec.ts shows each rule failing
// `pnpm lint` on a forbidden import):
//   contracts <- store <- server;  contracts <- client <- admin;  the router type from the
//   server's types-only entry `@eventlane/server/router` is the only server import a client has.
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';

const SPECS = ['**/*.spec.ts', '**/*.spec.tsx'];

const ours = { group: ['@eventlane/*'], message: 'contracts imports nothing of ours: every other package depends on it.' };
const store = { group: ['@eventlane/store', '@eventlane/store/*'], message: 'Only the server uses the store.' };
const serverRuntime = {
  regex: '^@eventlane/server(?!/router$)',
  message: 'No server code in a client: import the router type from "@eventlane/server/router" (import type).',
};
const routerTypeOnly = {
  name: '@eventlane/server/router',
  allowTypeImports: true,
  message: 'The router is a type: `import type { AppRouter } from "@eventlane/server/router"`.',
};
const react = { group: ['react', 'react/*', 'react-dom', 'react-dom/*'], message: 'The client core is framework-free: React hooks go in src/react/.' };

/** A relative import in code that Node runs from dist/ needs its `.js` (tsc keeps specifiers as written). */
const RELATIVE_WITHOUT_JS = '/^\\.\\.?\\/(?!.*\\.js$)/';
const withJs = (node) => ({
  selector: `${node}[source.value=${RELATIVE_WITHOUT_JS}]`,
  message: 'Compiled packages run from dist/ under plain Node: give relative imports their .js extension (node scripts/addImportExtensions.mjs).',
});

export const boundaries = [
  {
    // The per-package vitest configs share the workspace root's vitest.shared.ts (tooling, not a package).
    ignores: ['**/vitest.config.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          alwaysTryTypes: true,
          project: 'tsconfig.json',
          conditionNames: ['@eventlane/source', 'types', 'import', 'default'],
        }),
      ],
    },
    rules: {
      // No relative import reaches into another package (import it by name).
      'import-x/no-relative-packages': 'error',
    },
  },
  {
    files: ['packages/contracts/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [ours] }] },
  },
  {
    files: ['packages/client/src/**/*.ts'],
    ignores: [...SPECS, 'packages/client/src/react/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [routerTypeOnly], patterns: [serverRuntime, store, react] }],
      'import-x/no-nodejs-modules': 'error',
    },
  },
  {
    files: ['packages/client/src/react/**/*.ts', 'packages/client/src/react/**/*.tsx'],
    ignores: SPECS,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [routerTypeOnly], patterns: [serverRuntime, store] }],
      'import-x/no-nodejs-modules': 'error',
    },
  },
  {
    files: ['apps/admin/**/*.ts', 'apps/admin/**/*.tsx'],
    ignores: ['apps/admin/vite.config.ts', 'apps/admin/vitest.config.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [routerTypeOnly], patterns: [serverRuntime, store] }] },
  },
  {
    files: ['packages/contracts/src/**/*.ts', 'packages/store/src/**/*.ts', 'packages/client/src/**/*.ts', 'apps/server/src/**/*.ts'],
    ignores: SPECS,
    rules: {
      'no-restricted-syntax': ['error', withJs('ImportDeclaration'), withJs('ExportNamedDeclaration'), withJs('ExportAllDeclaration'), withJs('ImportExpression')],
    },
  },
];
