// Lint rules that keep the layers apart (see docs/architecture.md) and forbid import cycles.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { layerZones } from './layers.mjs';

const noCdk = {
  group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'],
  message: 'This layer runs outside CDK (Lambda, Batch, local engine): it must not import aws-cdk-lib.',
};
const noAwsSdk = {
  group: ['@aws-sdk/*', '@smithy/*'],
  message: 'The definition layer (spec, DSL, compiler) imports no AWS client.',
};
const noConstructs = {
  group: ['**/constructs', '**/constructs/*'],
  message: 'Only the CDK app and tests may import lib/constructs.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'cdk.out/**', '.tmp/**', '.pipewright/**', 'coverage/**', 'test-artifacts/**'] },
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [tseslint.configs.recommended, importX.flatConfigs.typescript],
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The layers of docs/architecture.md: who may import whom, and only through each folder's index.ts.
    files: ['lib/**/*.ts', 'lambdas/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones() }] },
  },
  {
    files: ['lib/spec/**', 'lib/dsl/**', 'lib/compiler/**', 'lib/ir/**', 'lib/graph/**', 'lib/schedule/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noCdk, noAwsSdk, noConstructs] }] },
  },
  {
    // The browser app: no Node built-ins, no AWS or CDK, and only types from the rest of lib/.
    files: ['lib/ui/app/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noCdk,
            noAwsSdk,
            noConstructs,
            { group: ['node:*'], message: 'The web UI runs in the browser: no Node built-ins.' },
            { group: ['../../*', '../../../*'], allowTypeImports: true, message: 'The web UI imports only types from lib/ (it reads the REST API).' },
          ],
        },
      ],
    },
  },
  {
    files: ['lambdas/**', 'lib/engine/**', 'lib/runner/**', 'lib/reuse/**', 'lib/store/**', 'lib/manifest/**', 'lib/protocol/**', 'lib/api/**', 'lib/serve/**', 'lib/client/**', 'lib/cli/**', 'lib/ui/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [noCdk, noConstructs] }] },
  },
);
