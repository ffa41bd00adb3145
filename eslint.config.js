// ESLint (flat config): typescript-eslint's recommended rules and a few of our own. `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Fixture sources are samples of other languages' code; dist/ is built output.
  { ignores: ['dist/', 'node_modules/', 'fixtures/', 'bench/results/', 'tests/snapshots/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // No `any` in what we write (tests included): unknown + a check, or a real type.
      '@typescript-eslint/no-explicit-any': 'error',
      // `_name` marks a parameter or binding kept for its position.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // The store classes declare their shared parts' interfaces (see store/sql-port.ts delegate()).
      '@typescript-eslint/no-unsafe-declaration-merging': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
      // The tokenizers split on control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // The git hook scripts are plain Node ESM.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
  {
    // The dashboard's page script runs in the browser (served by daemon/server/http-endpoint.ts).
    files: ['daemon/metrics/dashboard/*.js'],
    languageOptions: { sourceType: 'script', globals: { document: 'readonly', fetch: 'readonly', setTimeout: 'readonly' } },
  },
);
