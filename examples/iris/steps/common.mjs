// Helpers shared by the iris steps: the step contract (docs/steps.md) in a few lines of plain Node.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

/** The path of input `name` ($PW_INPUT_<NAME>). */
export function inputPath(name) {
  const v = `PW_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const p = process.env[v];
  if (!p) fail(`input '${name}' is missing: ${v} is not set. Declare it under the step's inputs.`);
  return p;
}

/** The path where output `name` must be written ($PW_OUTPUT_<NAME>). */
export function outputPath(name) {
  const v = `PW_OUTPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const p = process.env[v];
  if (!p) fail(`output '${name}' is missing: ${v} is not set. Declare it under the step's outputs.`);
  return p;
}

/** The step's declared parameters, typed ($PW_PARAMS). */
export function params() {
  return process.env.PW_PARAMS ? JSON.parse(readFileSync(process.env.PW_PARAMS, 'utf8')) : {};
}

/** Reads a JSON input. */
export function readJson(name) {
  return JSON.parse(readFileSync(inputPath(name), 'utf8'));
}

/** Writes a JSON output. */
export function writeJson(name, value) {
  writeFileSync(outputPath(name), `${JSON.stringify(value, null, 2)}\n`);
}

/** Appends one metric line to $PW_METRICS. */
export function metric(name, value, step) {
  if (!process.env.PW_METRICS) return;
  appendFileSync(process.env.PW_METRICS, `${JSON.stringify(step === undefined ? { name, value } : { name, value, step })}\n`);
}

/** Prints a message on stderr and exits 1. */
export function fail(message) {
  process.stderr.write(`${process.env.PW_STEP ?? 'step'}: ${message}\n`);
  process.exit(1);
}

/** The predicted class index of each normalized row under a softmax model's weights. */
export function predict(weights, rows) {
  return rows.map((x) => {
    let best = 0;
    let bestScore = -Infinity;
    weights.forEach((w, k) => {
      let s = w[0];
      for (let j = 0; j < x.length; j++) s += w[j + 1] * x[j];
      if (s > bestScore) {
        bestScore = s;
        best = k;
      }
    });
    return best;
  });
}
