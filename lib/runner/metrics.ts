/**
 * Parses the `$PW_METRICS` file a step appended JSON lines to.
 */
import type { Metric } from '../protocol';

/** Metrics found, and a warning for each line that was not one. */
export interface ParsedMetrics {
  readonly metrics: Metric[];
  readonly warnings: string[];
}

/** Parses JSON lines `{"name": string, "value": number, "step"?: number}`; malformed lines become warnings. */
export function parseMetrics(text: string): ParsedMetrics {
  const metrics: Metric[] = [];
  const warnings: string[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      v = undefined;
    }
    const o = v as { name?: unknown; value?: unknown; step?: unknown } | undefined;
    const ok =
      typeof o === 'object' &&
      o !== null &&
      typeof o.name === 'string' &&
      o.name !== '' &&
      typeof o.value === 'number' &&
      Number.isFinite(o.value) &&
      (o.step === undefined || (typeof o.step === 'number' && Number.isFinite(o.step)));
    if (!ok) {
      const shown = line.length > 120 ? `${line.slice(0, 120)}…` : line;
      warnings.push(
        `metrics line ${i + 1} ignored: expected {"name": "<string>", "value": <finite number>, "step"?: <number>}, received ${shown}`,
      );
      return;
    }
    metrics.push(o.step === undefined ? { name: o.name as string, value: o.value as number } : { name: o.name as string, value: o.value as number, step: o.step as number });
  });
  return { metrics, warnings };
}
