// train: softmax regression by full-batch gradient descent on the normalized training set; logs `loss`
// periodically and `train_accuracy` at the end as metrics, and writes the output `model` (JSON).
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
const { learning_rate: lr = 0.5, epochs = 300 } = params();
if (!(typeof lr === 'number' && lr > 0)) fail(`parameter learning_rate is ${JSON.stringify(lr)}; expected a number > 0.`);
if (!(Number.isInteger(epochs) && epochs >= 1)) fail(`parameter epochs is ${JSON.stringify(epochs)}; expected an integer ≥ 1.`);

const data = readJson('train');
const { x, y, classes } = data;
const n = x.length;
const d = x[0].length;
const k = classes.length;
const w = Array.from({ length: k }, () => new Array(d + 1).fill(0)); // w[c][0] is the bias

function softmaxRow(row) {
  const s = w.map((wc) => wc.reduce((acc, v, j) => acc + v * (j === 0 ? 1 : row[j - 1]), 0));
  const m = Math.max(...s);
  const e = s.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

const every = Math.max(1, Math.floor(epochs / 20));
let loss = 0;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const grad = Array.from({ length: k }, () => new Array(d + 1).fill(0));
  loss = 0;
  for (let i = 0; i < n; i++) {
    const p = softmaxRow(x[i]);
    loss -= Math.log(Math.max(p[y[i]], 1e-12));
    for (let c = 0; c < k; c++) {
      const diff = p[c] - (c === y[i] ? 1 : 0);
      grad[c][0] += diff;
      for (let j = 0; j < d; j++) grad[c][j + 1] += diff * x[i][j];
    }
  }
  loss /= n;
  for (let c = 0; c < k; c++) for (let j = 0; j <= d; j++) w[c][j] -= (lr * grad[c][j]) / n;
  if (epoch % every === 0 || epoch === 1 || epoch === epochs) metric('loss', loss, epoch);
}

const predicted = predict(w, x);
const accuracy = predicted.filter((p, i) => p === y[i]).length / n;
metric('train_accuracy', accuracy);
writeJson('model', {
  kind: 'softmax-regression',
  features: data.features,
  classes,
  normalization: data.normalization,
  weights: w,
  training: { learning_rate: lr, epochs, loss, accuracy },
});
console.log(`train: ${epochs} epochs, lr ${lr}: loss ${loss.toFixed(4)}, train accuracy ${accuracy.toFixed(4)}`);
