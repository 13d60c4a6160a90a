// Lint is part of `npm test` (STYLE.md): typescript-eslint with type information, the
// hooks rules for the Preact components, and rules for the bug classes this project had.
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  {
    ignores: ['dist/**', 'dist-*/**', 'bench/.dist/**', 'bench/results/**', 'artifacts/**', 'node_modules/**', 'demo/**', 'tests/fixtures/**', 'bench/pages/**', '.scratch/**'],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // An empty catch hides the error it caught: say why it is safe to drop, or handle it.
      'no-empty': ['error', { allowEmptyCatch: false }],
      // A new error thrown from a catch keeps what was caught as its cause.
      'preserve-caught-error': ['error', { requireCatchParameter: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Tests and page functions read untyped values on purpose; these are checked at runtime.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/require-await': 'off',
      // `K extends keyof Api & string` is how the protocol keeps request names typed: not redundant.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // Values stringified here are JSON from DuckDB or the page (checked at runtime), and
      // puppeteer's target types are string unions compared with literals.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
  {
    files: ['panel/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // Tests pass methods of fixtures around and evaluate the page's expressions as the page would.
    files: ['**/*.test.ts', 'tests/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
