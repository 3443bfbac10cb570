// evaluate: accuracy and confusion matrix of the model on the test set, as metrics and the output `report`.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

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

/** Reads a JSON input. */
function readJson(name) {
  return JSON.parse(readFileSync(inputPath(name), 'utf8'));
}

/** Writes a JSON output. */
function writeJson(name, value) {
  writeFileSync(outputPath(name), `${JSON.stringify(value, null, 2)}\n`);
}

/** Appends one metric line to $PW_METRICS. */
function metric(name, value, step) {
  if (!process.env.PW_METRICS) return;
  appendFileSync(process.env.PW_METRICS, `${JSON.stringify(step === undefined ? { name, value } : { name, value, step })}\n`);
}

/** Prints a message on stderr and exits 1. */
function fail(message) {
  process.stderr.write(`${process.env.PW_STEP ?? 'step'}: ${message}\n`);
  process.exit(1);
}

/** The predicted class index of each normalized row under a softmax model's weights. */
function predict(weights, rows) {
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
// --- the step ---
const model = readJson('model');
const test = readJson('test');
if (JSON.stringify(model.classes) !== JSON.stringify(test.classes)) {
  fail(`the model's classes ${JSON.stringify(model.classes)} differ from the test set's ${JSON.stringify(test.classes)}.`);
}
const { classes } = model;
const predicted = predict(model.weights, test.x);
const confusion = classes.map(() => classes.map(() => 0)); // confusion[actual][predicted]
predicted.forEach((p, i) => confusion[test.y[i]][p]++);
const correct = predicted.filter((p, i) => p === test.y[i]).length;
const accuracy = correct / test.y.length;

metric('accuracy', accuracy);
classes.forEach((actual, a) => classes.forEach((pred, p) => metric(`confusion.${actual}.${pred}`, confusion[a][p])));
writeJson('report', { accuracy, correct, total: test.y.length, classes, confusion });

const width = Math.max(...classes.map((c) => c.length));
console.log(`evaluate: accuracy ${accuracy.toFixed(4)} (${correct}/${test.y.length})`);
console.log(`${''.padEnd(width)}  ${classes.map((c) => c.padStart(width)).join(' ')}   (rows: actual, columns: predicted)`);
classes.forEach((c, a) => console.log(`${c.padEnd(width)}  ${confusion[a].map((v) => String(v).padStart(width)).join(' ')}`));
