/**
 * The CDK app `cdk synth` / `cdk deploy` run (see cdk.json): the platform and every pipeline in
 * `pipelines/`, or the files named with `-c pipelines=a.yaml,b.ts`.
 *
 * Context: `pipelines` (comma-separated files), `stackName` (default `Pipewright`), `gpuSpot` and `cpuSpot`
 * (`true` for Spot capacity), `nag` (`false` skips the cdk-nag AwsSolutions checks that otherwise fail synth on
 * any unacknowledged finding). A definition error prints every problem and exits with status 2 before synth.
 */
import { existsSync, readdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PipewrightStack, type PreparedPipeline, preparePipeline } from '../lib/constructs';
import { DefinitionError, exitCodeFor } from '../lib/errors';
import { DSL_EXTENSIONS, SPEC_EXTENSIONS } from '../lib/spec';

const DEFINITION_EXTENSIONS: readonly string[] = [...SPEC_EXTENSIONS, ...DSL_EXTENSIONS];

/** The definition files to deploy: the `pipelines` context, else every definition in `pipelines/`. */
function definitionFiles(app: App): string[] {
  const named = app.node.tryGetContext('pipelines') as string | undefined;
  if (named !== undefined) {
    return String(named)
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
  }
  const dir = resolve('pipelines');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => DEFINITION_EXTENSIONS.includes(extname(f).toLowerCase()) && !/\.(test|d)\.[cm]?[jt]s$/.test(f))
    .sort()
    .map((f) => join('pipelines', f));
}

function flag(app: App, key: string): boolean {
  const v = app.node.tryGetContext(key);
  return v === true || v === 'true';
}

async function main(): Promise<number> {
  const app = new App();
  if (app.node.tryGetContext('nag') !== false && app.node.tryGetContext('nag') !== 'false') {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  const files = definitionFiles(app);
  const prepared: PreparedPipeline[] = [];
  const failures: string[] = [];
  let code = 0;
  for (const file of files) {
    try {
      prepared.push(await preparePipeline(file));
    } catch (err) {
      code = Math.max(code, exitCodeFor(err));
      if (err instanceof DefinitionError) failures.push(`${err.message}\n${err.problems.length} problem(s) in ${file}`);
      else failures.push(`${file}: ${(err as Error)?.message ?? String(err)}`);
    }
  }
  if (failures.length > 0) {
    process.stderr.write(`${failures.join('\n')}\nnothing was synthesized; fix the definitions above.\n`);
    return code;
  }
  new PipewrightStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'Pipewright', {
    description: `Pipewright: ${prepared.length > 0 ? prepared.map((p) => p.ir.name).join(', ') : 'platform only'}`,
    pipelines: prepared,
    platform: { cpuCompute: { spot: flag(app, 'cpuSpot') }, gpuCompute: { spot: flag(app, 'gpuSpot') } },
  });
  app.synth();
  return 0;
}

process.exitCode = await main();
