/**
 * The container image of the Pipewright runner (the stage-in and stage-out containers of every Batch job).
 */
import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** The repository name `npm run build:runner` pushes to (see docs/deploy.md). */
export const DEFAULT_RUNNER_REPOSITORY = 'pipewright-runner';

/** The tag `npm run build:runner` pushes (the package version). */
export const DEFAULT_RUNNER_TAG = '0.1.0';

/**
 * Where the runner image comes from.
 *
 * The image is referenced by URI rather than built at synth time, so `cdk synth` needs no Docker.
 */
export abstract class RunnerImage {
  /** An image in an ECR repository of this account; the job execution role may pull it. */
  public static fromEcrRepository(repository: ecr.IRepository, tag: string = DEFAULT_RUNNER_TAG): RunnerImage {
    return new EcrRunnerImage(repository, tag);
  }

  /** An image by URI from a public registry (e.g. `public.ecr.aws/acme/pipewright-runner:0.1.0`). */
  public static fromRegistry(uri: string): RunnerImage {
    return new RegistryRunnerImage(uri);
  }

  /**
   * The image `npm run build:runner` pushes: `<account>.dkr.ecr.<region>.amazonaws.com/pipewright-runner:<version>`.
   */
  public static fromDefaultRepository(tag: string = DEFAULT_RUNNER_TAG): RunnerImage {
    return new DefaultRunnerImage(tag);
  }

  /** Resolves the image URI in `scope` and lets `executionRole` pull it. */
  public abstract bind(scope: Construct, executionRole: iam.IGrantable): string;
}

class EcrRunnerImage extends RunnerImage {
  constructor(
    private readonly repository: ecr.IRepository,
    private readonly tag: string,
  ) {
    super();
  }

  public bind(_scope: Construct, executionRole: iam.IGrantable): string {
    this.repository.grantPull(executionRole);
    return this.repository.repositoryUriForTag(this.tag);
  }
}

class RegistryRunnerImage extends RunnerImage {
  constructor(private readonly uri: string) {
    super();
  }

  public bind(): string {
    return this.uri;
  }
}

class DefaultRunnerImage extends RunnerImage {
  constructor(private readonly tag: string) {
    super();
  }

  public bind(scope: Construct, executionRole: iam.IGrantable): string {
    const stack = Stack.of(scope);
    const id = 'PipewrightRunnerRepository';
    const repository =
      (stack.node.tryFindChild(id) as ecr.IRepository | undefined) ??
      ecr.Repository.fromRepositoryName(stack, id, DEFAULT_RUNNER_REPOSITORY);
    repository.grantPull(executionRole);
    return repository.repositoryUriForTag(this.tag);
  }
}
