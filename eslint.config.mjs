// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // infra/ is its own package (AWS CDK): its `npm test` type-checks it against its own install.
    ignores: [
      'dist/**',
      'coverage/**',
      'node_modules/**',
      '.tmp/**',
      'bench/**',
      'infra/**',
      'jest.config.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      // Libs are imported through their public index only; apps never from a lib's internals.
      // @app/jobs/sql is libs/jobs' second index: its Nest-free statements, for Lambda bundles.
      'no-restricted-imports': [
        'error',
        { patterns: ['@app/*/*', '!@app/jobs/sql', '**/libs/*/src/*'] },
      ],
    },
  },
  {
    // Libraries never depend on applications.
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['@app/*/*', '**/apps/**'] }] },
  },
  {
    // The api submits and reads jobs; it never loads the worker's engine (nor its SQS consumer).
    files: ['apps/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@app/*/*', '!@app/jobs/sql', '**/libs/*/src/*'],
              message: 'Import a lib through its index.',
            },
            {
              group: ['@app/processor', '**/libs/processor/**', '@ssut/nestjs-sqs'],
              message: 'The api never loads the worker: use @app/jobs, @app/queue, @app/handlers.',
            },
          ],
        },
      ],
    },
  },
  {
    // libs/jobs' statements for Lambda functions (@app/jobs/sql): no Nest, TypeORM or SQS.
    files: ['libs/jobs/src/sql/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            '@app/*/*',
            '**/apps/**',
            '@nestjs/*',
            'typeorm',
            '@app/queue',
            '@app/processor',
          ],
        },
      ],
    },
  },
  {
    // The handlers run in Lambda functions too: no Nest.
    files: ['libs/handlers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@app/*/*', '**/apps/**', '@app/*', '@nestjs/*'] },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**', 'eslint.config.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
      },
    },
  },
  {
    // The dashboard's browser modules: plain ES modules served as they are (no build step).
    files: ['apps/api/src/dashboard/public/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'AbortController',
          'addEventListener',
          'document',
          'Event',
          'EventTarget',
          'fetch',
          'Intl',
          'location',
          'matchMedia',
          'removeEventListener',
          'ResizeObserver',
          'sessionStorage',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'TextDecoderStream',
          'URLSearchParams',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // CommonJS scripts run as they are in the runtime image (no TypeScript there).
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
