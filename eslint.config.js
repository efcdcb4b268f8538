import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const FEATURES = ['account', 'compose', 'sent', 'keys', 'settings'];

// OpenPGP.js runs only in the crypto worker; these files are its worker-side code.
const WORKER_SIDE = ['src/core/crypto/api.ts', 'src/core/crypto/crypto.worker.ts', 'src/core/crypto/impl/**'];
const TESTS = ['src/**/*.test.ts', 'src/**/*.test.tsx'];
const CORE_FORBIDDEN = ['react', 'react-dom', 'zustand', '@tanstack/react-query', 'idb-keyval'].map((name) => ({
  name,
  message: 'src/core stays free of React, state libraries and storage.',
}));
const OPENPGP_FORBIDDEN = { name: 'openpgp', message: 'OpenPGP.js runs only in the crypto worker (src/core/crypto/api.ts).' };
const OPENPGP_SUBPATHS = { group: ['openpgp/*'], message: 'OpenPGP.js runs only in the crypto worker.' };
const RELATIVE_IN_CORE = { group: ['@/*'], message: 'Inside src/core use relative imports.' };

/** Layering (docs: architecture-and-style.md §3): imports only flow down. */
const boundaryZones = [
  { target: './src/core', from: ['./src/app', './src/features', './src/lib', './src/stores', './src/components', './server'], message: 'src/core is framework-free: it must not import app layers.' },
  { target: ['./src/lib', './src/stores', './src/components'], from: ['./src/features', './src/app'], message: 'Shared layers must not import features or the app.' },
  ...FEATURES.map((f) => ({
    target: `./src/features/${f}`,
    from: ['./src/features', './src/app'],
    except: [`./${f}`],
    message: 'A feature must not import another feature or the app; move shared code to src/lib or src/components.',
  })),
  { target: './server', from: ['./src/app', './src/features', './src/lib', './src/stores', './src/components'], message: 'The server may only use src/core.' },
  { target: './src/core/mime', from: ['./src/core/crypto'], message: 'core/mime gets signing and encryption as callbacks.' },
];

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'data', '.peers'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'tsconfig.node.json'], noWarnOnMultipleProjects: true })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: boundaryZones }],
      'import-x/no-cycle': 'error',
      'import-x/no-unresolved': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  // no-restricted-imports: one setting per file group (a later block would replace an earlier one).
  {
    files: ['src/core/**/*.ts'],
    ignores: [...WORKER_SIDE, ...TESTS],
    rules: {
      'no-restricted-imports': ['error', { paths: [...CORE_FORBIDDEN, OPENPGP_FORBIDDEN], patterns: [RELATIVE_IN_CORE, OPENPGP_SUBPATHS] }],
      'no-console': 'error',
    },
  },
  {
    files: WORKER_SIDE,
    rules: {
      'no-restricted-imports': ['error', { paths: CORE_FORBIDDEN, patterns: [RELATIVE_IN_CORE] }],
      'no-console': 'error',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/core/**', ...TESTS],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [OPENPGP_FORBIDDEN],
          patterns: [
            OPENPGP_SUBPATHS,
            {
              // Values from these modules would put the MIME builder and parser into the page's
              // start-up bundle; the page uses them through the worker or a dynamic import().
              group: ['@/core/send/send-message', '@/core/send/send-worker', '@/core/mime/build-message', '@/core/mime/pgp-mime', '@/core/drafts/drafts'],
              allowTypeImports: true,
              message: 'Message building runs in the worker (services.outgoing) or loads with import(): import only types from here.',
            },
          ],
        },
      ],
    },
  },
);
