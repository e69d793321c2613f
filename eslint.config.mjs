// ESLint, flat config: @eslint/js and typescript-eslint's recommended rules, tuned to the code as
// it is (the config was fitted to the code, not the code to the config). `npm run lint` runs it
// with Prettier's check (.prettierrc.json). Style (quotes, commas, width) is Prettier's business;
// these rules are about mistakes.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals, for the CommonJS scripts (bench/, scripts/, jest's setup files). */
const nodeGlobals = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    '__dirname',
    '__filename',
    'process',
    'Buffer',
    'console',
    'global',
    'globalThis',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'URL',
    'URLSearchParams',
    'TextDecoder',
    'TextEncoder',
    'AbortController',
    'AbortSignal',
    'performance',
    'structuredClone',
    'fetch',
    'gc',
  ].map((g) => [g, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', 'test/fixtures/', 'test/fixtures-kb/', 'examples/', 'npm-shrinkwrap.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Dead bindings are worth seeing, not worth failing the build for; `_x` and the names a
      // rest pattern leaves out (`const { a: _a, ...rest } = o`) are deliberate.
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Log text is hostile input: the sanitizer, the console decoder and the tests match control
      // characters and escape sequences on purpose.
      'no-control-regex': 'off',
      // Expected terminal output is aligned with runs of spaces; a regex shows them as they print.
      'no-regex-spaces': 'off',
      // Tests reach for a built-in inline (`require('node:child_process').spawnSync(…)`); any
      // other require() in TypeScript says why in a disable comment.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^node:'] }],
    },
  },
  {
    // `if (flag) (cfg.x = v), (cfg.origins.x = 'flag')`: a pair of assignments as one statement.
    files: ['src/bin/xtriaged.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    // CommonJS scripts: the benchmarks, the build, jest's setup and reporters.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      // bench/memory.js keeps `self` for a generator function that cannot be an arrow.
      '@typescript-eslint/no-this-alias': 'off',
      // Some take `performance` from node:perf_hooks, some use the global: both are Node's.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
);
