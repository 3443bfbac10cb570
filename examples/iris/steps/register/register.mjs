// register: publishes the model to the output `registered` only when its test accuracy reaches
// `min_accuracy`; otherwise fails, stating the accuracy and the threshold.
import { readFileSync, writeFileSync } from 'node:fs';

// --- the step contract (docs/steps.md), inlined so this file stands alone ---

/** The path of input `name` ($PW_INPUT_<NAME>). */
function inputPath(name) {
  const v = `PW_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const p = process.env[v];
  if (!p) fail(`input '${name}' is missing: ${v} is not set. Declare it under the step's inputs.`);
  return p;
}

/** The path where output `name` must be written ($PW_OUTPUT_<NAME>). */
function outputPath(name) {
  const v = `PW_OUTPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const p = process.env[v];
  if (!p) fail(`output '${name}' is missing: ${v} is not set. Declare it under the step's outputs.`);
  return p;
}

/** The step's declared parameters, typed ($PW_PARAMS). */
function params() {
  return process.env.PW_PARAMS ? JSON.parse(readFileSync(process.env.PW_PARAMS, 'utf8')) : {};
}

/** Reads a JSON input. */
function readJson(name) {
  return JSON.parse(readFileSync(inputPath(name), 'utf8'));
}

/** Writes a JSON output. */
function writeJson(name, value) {
  writeFileSync(outputPath(name), `${JSON.stringify(value, null, 2)}\n`);
}

/** Prints a message on stderr and exits 1. */
function fail(message) {
  process.stderr.write(`${process.env.PW_STEP ?? 'step'}: ${message}\n`);
  process.exit(1);
}
// --- the step ---
const { min_accuracy: threshold = 0.9 } = params();
if (typeof threshold !== 'number') fail(`parameter min_accuracy is ${JSON.stringify(threshold)}; expected a number.`);
const report = readJson('report');
const model = readJson('model');
if (!(report.accuracy >= threshold)) {
  fail(
    `accuracy ${report.accuracy.toFixed(4)} is below min_accuracy ${threshold}; the model was not registered. ` +
      'Improve the model (e.g. more epochs) or lower min_accuracy.',
  );
}
writeJson('registered', { name: 'iris-softmax', accuracy: report.accuracy, minAccuracy: threshold, model });
console.log(`register: model registered (accuracy ${report.accuracy.toFixed(4)} ≥ ${threshold})`);
