/**
 * Where the constructs find the code they ship or spawn: the compiled package (`dist/`) or the sources.
 *
 * Installed from npm, the constructs run from `dist/` and use what the build prepared there: each Lambda
 * function pre-bundled (so a CDK app synthesizes without esbuild or Docker) and the compiled prepare child.
 * In this repository's tests they run from the TypeScript sources, bundle the Lambda functions at synth
 * time and start the child through tsx.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Whether this code runs from the compiled package rather than the TypeScript sources. */
export const COMPILED = !import.meta.url.endsWith('.ts');

/** The package's root folder: the nearest folder above this module that holds a package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`pipewright: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

/** A Lambda function's code: its pre-bundled asset folder (compiled) or its TypeScript entry (sources). */
export function lambdaCode(name: string): { readonly assetDir: string } | { readonly entry: string } {
  const root = packageRoot();
  return COMPILED ? { assetDir: join(root, 'dist', 'lambdas', name) } : { entry: join(root, 'lambdas', `${name}.ts`) };
}

/** The `node` arguments that start the prepare child process. */
export function prepareChildArgs(): string[] {
  const root = packageRoot();
  if (COMPILED) return [join(root, 'dist', 'prepare-child.js')];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsx, join(root, 'lib', 'constructs', 'private', 'prepare-child.ts')];
}
