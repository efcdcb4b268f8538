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
const OPENPGP_FORBIDDEN = {
  name: 'openpgp',
  message: 'OpenPGP.js runs only in the crypto worker (src/core/crypto/api.ts).',
};
const OPENPGP_SUBPATHS = { group: ['openpgp/*'], message: 'OpenPGP.js runs only in the crypto worker.' };
const RELATIVE_IN_CORE = { group: ['@/*'], message: 'Inside src/core use relative imports.' };

/**
 * Layering: imports only flow down this list (README, "Where code goes").
 * core → lib → stores → services → queries → components → unlock → features → app
 */
const SHARED_LAYERS = ['lib', 'stores', 'services', 'queries', 'components', 'unlock'];
const ABOVE = (layer) =>
  [...SHARED_LAYERS.slice(SHARED_LAYERS.indexOf(layer) + 1), 'features', 'app'].map((l) => `./src/${l}`);
const boundaryZones = [
  {
    target: './src/core',
    from: ['./src/app', './src/features', ...SHARED_LAYERS.map((l) => `./src/${l}`), './server'],
    message: 'src/core is framework-free: it must not import app layers.',
  },
  ...SHARED_LAYERS.map((layer) => ({
    target: `./src/${layer}`,
    from: ABOVE(layer),
    message: `src/${layer} may import only the layers below it (README, "Where code goes").`,
  })),
  ...FEATURES.map((f) => ({
    target: `./src/features/${f}`,
    from: ['./src/features', './src/app'],
    except: [`./${f}`],
    message:
      'A feature must not import another feature or the app; move shared code to a shared layer (README, "Where code goes").',
  })),
  {
    target: './server',
    from: ['./src/app', './src/features', ...SHARED_LAYERS.map((l) => `./src/${l}`)],
    message: 'The server may only use src/core.',
  },
  {
    target: './src/core/mime',
    from: ['./src/core/crypto'],
    message: 'core/mime gets signing and encryption as callbacks.',
  },
];

/**
 * Decisions on error text break when a message is reworded (a retry could then send a mail twice):
 * decide on AppError's code and fields. OpenPGP.js errors have no codes; only its adapter reads them.
 */
const MESSAGE_TEXT_TESTS = [
  "CallExpression[callee.property.name=/^(test|exec|match|matchAll|search)$/] > MemberExpression[property.name='message']",
  "CallExpression[callee.object.property.name='message'][callee.property.name=/^(includes|startsWith|endsWith|match|matchAll|search|indexOf|test)$/]",
  "BinaryExpression[operator=/^[!=]==?$/] > MemberExpression[property.name='message']",
  "SwitchStatement > MemberExpression.discriminant[property.name='message']",
].map((selector) => ({
  selector,
  message:
    'Decide on an error code or field (AppError), never on message text; OpenPGP.js errors go through core/crypto/impl/openpgp-errors.ts.',
}));
const OPENPGP_ERROR_ADAPTER = 'src/core/crypto/impl/openpgp-errors.ts';

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'data', '.peers'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['tsconfig.json', 'tsconfig.node.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: boundaryZones }],
      'import-x/no-cycle': 'error',
      'import-x/no-unresolved': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/**/*.{ts,tsx}', 'server/**/*.ts'],
    ignores: [OPENPGP_ERROR_ADAPTER, ...TESTS, 'server/**/*.test.ts'],
    rules: { 'no-restricted-syntax': ['error', ...MESSAGE_TEXT_TESTS] },
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
      'no-restricted-imports': [
        'error',
        { paths: [...CORE_FORBIDDEN, OPENPGP_FORBIDDEN], patterns: [RELATIVE_IN_CORE, OPENPGP_SUBPATHS] },
      ],
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
              group: [
                '@/core/send/send-message',
                '@/core/send/send-worker',
                '@/core/mime/build-message',
                '@/core/mime/pgp-mime',
                '@/core/drafts/drafts',
              ],
              allowTypeImports: true,
              message:
                'Message building runs in the worker (services.outgoing) or loads with import(): import only types from here.',
            },
          ],
        },
      ],
    },
  },
);
