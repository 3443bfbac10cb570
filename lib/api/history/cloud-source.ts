/**
 * Runs of deployed pipelines: Step Functions executions of each registered state machine.
 */
import { DescribeExecutionCommand, DescribeStateMachineCommand, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ApiDeps } from '../types';
import { executionArnOf, manifestHashOfDefinition } from '../cloud-deps';
import type { PipelineRegistry } from '../registry';
import { summarize } from './history';
import type { ApiRunPage, RunExtras, RunSource } from './types';

/** Options of `cloudRunSource`. */
export interface CloudRunSourceOptions {
  readonly sfn: SFNClient;
  readonly registry: PipelineRegistry;
  /** The run view (the cloud deps' `getRun`). */
  readonly getRun: ApiDeps['getRun'];
}

/**
 * What started an execution, told by its name: the trigger API names runs by time (`20261130-…`) or by
 * idempotency key (`k-…`); EventBridge schedules start executions with generated names.
 */
export function triggerOfExecutionName(name: string): string {
  return /^\d{8}-\d{6}-/.test(name) || name.startsWith('k-') ? 'api' : 'schedule';
}

function errorName(err: unknown): string {
  return (err as { name?: string })?.name ?? '';
}

/** A run source over Step Functions executions (`states:ListExecutions` on each state machine). */
export function cloudRunSource(options: CloudRunSourceOptions): RunSource {
  const { sfn, registry } = options;
  const manifests = new Map<string, Promise<string | undefined>>();

  function manifestOfStateMachine(arn: string): Promise<string | undefined> {
    let p = manifests.get(arn);
    if (!p) {
      p = sfn
        .send(new DescribeStateMachineCommand({ stateMachineArn: arn }))
        .then((sm) => manifestHashOfDefinition(sm.definition))
        .catch(() => undefined);
      // Only versions are immutable; the unqualified definition is asked each time.
      if (/:stateMachine:[^:]+:\d+$/.test(arn)) manifests.set(arn, p);
    }
    return p;
  }

  return {
    async pipelineNames() {
      return (await registry.list()).map((e) => e.name).sort();
    },

    async listRuns(pipeline, limit, cursor): Promise<ApiRunPage | undefined> {
      const entry = await registry.get(pipeline);
      if (!entry) return undefined;
      let page;
      try {
        page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: entry.stateMachineArn, maxResults: limit, nextToken: cursor }));
      } catch (err) {
        if (errorName(err) === 'InvalidToken') return { runs: [] };
        throw err;
      }
      const views = await Promise.all((page.executions ?? []).map((e) => options.getRun(pipeline, e.name ?? '')));
      // A finally-only execution is not a run of its own: its stopped run's view names it.
      const runs = views.flatMap((v) => (v && v.finallyOf === undefined ? [summarize(v, triggerOfExecutionName(v.runId))] : []));
      return { runs, ...(page.nextToken ? { nextCursor: page.nextToken } : {}) };
    },

    getRun: (pipeline, runId) => options.getRun(pipeline, runId),

    async runExtras(pipeline, runId): Promise<RunExtras> {
      const entry = await registry.get(pipeline);
      if (!entry) return {};
      const exec = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(entry.stateMachineArn, runId) }));
      const manifest = await manifestOfStateMachine(exec.stateMachineVersionArn ?? entry.stateMachineArn);
      return { trigger: triggerOfExecutionName(runId), ...(manifest ? { manifest: manifest as `sha256:${string}` } : {}) };
    },

    async pipelineOfRun(runId) {
      for (const entry of await registry.list()) {
        try {
          await sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(entry.stateMachineArn, runId) }));
          return entry.name;
        } catch (err) {
          if (errorName(err) !== 'ExecutionDoesNotExist') throw err;
        }
      }
      return undefined;
    },
  };
}
