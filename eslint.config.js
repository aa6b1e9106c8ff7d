// ESLint flat config: typescript-eslint with type information (the project service reads each package's tsconfig),
// for the mistakes the compiler does not catch: floating or misused promises, unused variables and imports, needless
// type assertions. Files outside any package tsconfig (configs, scripts, the root bench harness) get the rules that
// need no types.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const untyped = ['**/*.js', '**/*.mjs', '**/vitest.config.ts', 'vitest.shared.ts', 'bench/**/*.ts'];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'docs/api/**',
      'bench/results/**',
      'runs/**',
      'coverage/**',
      '**/.turbo/**',
      'packages/core/src/wasm/simd/kernels-binary.ts', // generated
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // `tf.sum(x) as tf.Scalar` is how tfjs code states a rank; the rule would have every such cast rewritten as an
      // explicit type argument (`tf.sum<tf.Scalar>(x)`), which checks nothing more.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // `async` without `await` implements a Promise-returning contract here (communicators, trainer hooks, streams,
      // browser stubs that must reject): it makes a throw a rejection, which the rule's fix (drop `async`) would not.
      '@typescript-eslint/require-await': 'off',
      // Shapes in error messages are arrays of numbers: `[${shape}]` is what we mean.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true, allowArray: true },
      ],
    },
  },
  {
    files: untyped,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { parserOptions: { projectService: false } },
  },
);
