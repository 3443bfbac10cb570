/**
 * Whether a step runs this time: its condition, and whether a step it needs outputs from was skipped.
 *
 * Read by the lookup task before the cache key (a skipped upstream has no record to key on).
 */
import { RunFailedError } from '../errors';
import { conditionMetrics } from '../ir';
import { readStepRecord, runKey, type ManifestStep, type PipelineManifest, type SkipReason, type StepRunDocument } from '../protocol';
import type { ArtifactStore } from '../store';
import { evaluateCondition } from './condition';
import type { KeyResolver } from './key-resolver';

/** The decision: skipped (and why), and the metric values the compiled Choice reads. */
export interface SkipDecision {
  readonly skip?: SkipReason;
  readonly v?: readonly number[];
}

/** The steps whose outputs or metrics a step needs. */
function upstreamOf(step: ManifestStep): string[] {
  const out = new Set<string>();
  for (const input of Object.values(step.inputs)) if (input.kind === 'step') out.add(input.step);
  if (step.foreach?.source.kind === 'step') out.add(step.foreach.source.step);
  if (step.when) for (const m of conditionMetrics(step.when.condition)) out.add(m.step);
  return [...out].sort();
}

/** Decides whether `step` is skipped in run `runId`; throws when a metric its condition reads was never logged. */
export async function decideSkip(
  store: ArtifactStore,
  manifest: PipelineManifest,
  step: ManifestStep,
  runId: string,
  resolver: KeyResolver,
  params: Readonly<Record<string, import('../ir/types').ParameterValue>>,
): Promise<SkipDecision> {
  // Only pipelines with conditions can skip; the others pay no extra read.
  if (!Object.values(manifest.steps).some((s) => s.when)) return {};
  for (const up of upstreamOf(step)) {
    const doc = await store.getJson<StepRunDocument>(runKey(runId, up)).catch(() => undefined);
    if (doc?.status === 'skipped') {
      return { skip: doc.skip ?? { reason: 'condition', step: up, condition: manifest.steps[up]?.when?.text ?? '' } };
    }
  }
  if (!step.when) return {};
  const wanted = conditionMetrics(step.when.condition);
  const metrics: Record<string, number> = {};
  for (const { step: up, metric } of wanted) {
    const { key } = await resolver.resolve(up);
    const record = await readStepRecord(store, key);
    const logged = record?.metrics.filter((m) => m.name === metric) ?? [];
    if (logged.length === 0) {
      const names = [...new Set(record?.metrics.map((m) => m.name) ?? [])];
      throw new RunFailedError(
        `Step '${step.name}': its condition ${JSON.stringify(step.when.text)} reads ${up}.metrics.${metric}, but step '${up}' ` +
          `logged no metric '${metric}' (it logged: ${names.join(', ') || 'none'}); log it to $PW_METRICS or fix the condition.`,
        step.name,
      );
    }
    metrics[`${up}.${metric}`] = logged[logged.length - 1].value;
  }
  const v = wanted.map((m) => metrics[`${m.step}.${m.metric}`]);
  const holds = evaluateCondition(step.when.condition, { params, metrics });
  return holds ? { v } : { v, skip: { reason: 'condition', step: step.name, condition: step.when.text } };
}
