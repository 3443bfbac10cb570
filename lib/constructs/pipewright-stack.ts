/**
 * The stack `bin/app.ts` deploys: one platform and every given pipeline on it.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { pascalCase } from '../spec';
import { type ExtraQueueProps, PipelinePlatform, type PipelinePlatformProps } from './pipeline-platform';
import type { PreparedPipeline } from './prepare';
import { PublishedPipeline } from './published-pipeline';
import { ConstructValidationError } from './private/validation';

/** Properties of `PipewrightStack`. */
export interface PipewrightStackProps extends StackProps {
  /** The pipelines to publish (names must be unique). */
  readonly pipelines: readonly PreparedPipeline[];
  /**
   * Platform settings; `extraQueues` is extended with every queue the pipelines declare.
   * @default - the platform defaults
   */
  readonly platform?: PipelinePlatformProps;
}

/** A stack with a `PipelinePlatform` and one `PublishedPipeline` per pipeline; outputs the API URL and bucket. */
export class PipewrightStack extends Stack {
  public readonly platform: PipelinePlatform;
  public readonly pipelines: Readonly<Record<string, PublishedPipeline>>;

  constructor(scope: Construct, id: string, props: PipewrightStackProps) {
    super(scope, id, props);
    this.platform = new PipelinePlatform(this, 'Platform', {
      ...props.platform,
      extraQueues: this.extraQueues(props),
    });
    const pipelines: Record<string, PublishedPipeline> = {};
    for (const p of props.pipelines) {
      if (pipelines[p.ir.name]) {
        throw new ConstructValidationError(
          this,
          `two definitions are named "${p.ir.name}" (${pipelines[p.ir.name].ir.source} and ${p.ir.source}); pipeline names must be unique: rename one`,
        );
      }
      pipelines[p.ir.name] = new PublishedPipeline(this, `Pipeline${pascalCase(p.ir.name)}`, { platform: this.platform, pipeline: p });
    }
    this.pipelines = pipelines;
    new CfnOutput(this, 'ApiUrl', { value: this.platform.api.url, description: 'Trigger API base URL (SigV4, service execute-api)' });
    new CfnOutput(this, 'ArtifactBucket', { value: this.platform.bucket.bucketName, description: 'The artifact store (s3://<bucket>)' });
    for (const [name, pp] of Object.entries(pipelines)) {
      new CfnOutput(this, `LiveAlias${pascalCase(name)}`, { value: pp.aliasArn, description: `Live alias of pipeline ${name}` });
    }
  }

  /** The platform's extra queues plus each non-default queue the pipelines declare (same GPU flag everywhere). */
  private extraQueues(props: PipewrightStackProps): ExtraQueueProps[] {
    const queues = new Map<string, ExtraQueueProps>();
    for (const q of props.platform?.extraQueues ?? []) queues.set(q.name, q);
    const problems: string[] = [];
    for (const p of props.pipelines) {
      for (const q of Object.values(p.ir.queues)) {
        if (q.name === 'cpu' || q.name === 'gpu') continue;
        const known = queues.get(q.name);
        if (known && (known.gpu ?? false) !== q.gpu) {
          problems.push(
            `queue "${q.name}" is declared ${q.gpu ? 'with' : 'without'} GPUs in ${p.ir.source} but ${known.gpu ? 'with' : 'without'} ` +
              'elsewhere; a queue has one compute environment: make the declarations agree',
          );
        } else if (!known) {
          queues.set(q.name, { name: q.name, gpu: q.gpu });
        }
      }
    }
    if (problems.length > 0) throw new ConstructValidationError(this, problems.join('; '));
    return [...queues.values()];
  }
}
