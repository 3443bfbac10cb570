// register: publishes the model to the output `registered` only when its test accuracy reaches
// `min_accuracy`; otherwise fails, stating the accuracy and the threshold.
import { readFileSync, writeFileSync } from 'node:fs';

/** Prints a message on stderr and exits 1 (the runner shows the last lines of stderr). */
function fail(message) {
  console.error(`${process.env.PW_STEP}: ${message}`);
  process.exit(1);
}

// The step contract (docs/steps.md): $PW_PARAMS is a JSON file of the parameters the step declares, typed;
// input `x` is the path $PW_INPUT_X; output `x` is written at the path $PW_OUTPUT_X.
const { min_accuracy: threshold = 0.9 } = JSON.parse(readFileSync(process.env.PW_PARAMS, 'utf8'));
if (typeof threshold !== 'number') fail(`parameter min_accuracy is ${JSON.stringify(threshold)}; expected a number.`);
const report = JSON.parse(readFileSync(process.env.PW_INPUT_REPORT, 'utf8'));
const model = JSON.parse(readFileSync(process.env.PW_INPUT_MODEL, 'utf8'));
if (!(report.accuracy >= threshold)) {
  fail(
    `accuracy ${report.accuracy.toFixed(4)} is below min_accuracy ${threshold}; the model was not registered. ` +
      'Improve the model (e.g. more epochs) or lower min_accuracy.',
  );
}
const registered = { name: 'iris-softmax', accuracy: report.accuracy, minAccuracy: threshold, model };
writeFileSync(process.env.PW_OUTPUT_REGISTERED, JSON.stringify(registered));
console.log(`register: model registered (accuracy ${report.accuracy.toFixed(4)} ≥ ${threshold})`);
