/**
 * Plain-text rendering of a run view for `pipewright status` and `trigger --wait`.
 */
import type { ApiRunView } from '../api';
import { formatMetrics } from '../engine';

function seconds(ms: number | undefined): string {
  return ms === undefined ? '' : `${(ms / 1000).toFixed(1)}s`;
}

/** One line per step: name, status, duration, metrics. */
export function formatRunView(view: ApiRunView): string {
  const lines = [`run ${view.runId} of ${view.pipeline}: ${view.status} (${seconds(view.durationMs)})`];
  const width = Math.max(4, ...Object.keys(view.steps).map((s) => s.length));
  for (const [name, step] of Object.entries(view.steps)) {
    const metrics = step.metrics && Object.keys(step.metrics).length > 0
      ? `  ${formatMetrics(step.metrics)}`
      : '';
    const error = step.error ? `  ${step.error}` : '';
    lines.push(`  ${name.padEnd(width)}  ${step.status.padEnd(8)} ${seconds(step.durationMs).padStart(7)}${metrics}${error}`);
  }
  if (view.error) lines.push(`  error: ${view.error}`);
  if (view.finallyExecution) lines.push(`  finally-steps ran in execution ${view.finallyExecution} (a stopped execution runs none of its own states)`);
  if (view.finallyOf) lines.push(`  this execution only ran the finally-steps of the stopped run ${view.finallyOf}`);
  return lines.join('\n');
}

/** Step name → status, for spotting changes between two polls. */
export function stepStates(view: ApiRunView): Map<string, string> {
  return new Map(Object.entries(view.steps).map(([k, v]) => [k, v.status]));
}
