// train: softmax regression by full-batch gradient descent on the normalized training set; logs `loss`
// periodically and `train_accuracy` at the end as metrics, and writes the output `model` (JSON).
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

/** Prints a message on stderr and exits 1 (the runner shows the last lines of stderr). */
function fail(message) {
  console.error(`${process.env.PW_STEP}: ${message}`);
  process.exit(1);
}

// The step contract (docs/steps.md): $PW_PARAMS is a JSON file of the parameters the step declares, typed;
// input `x` is the path $PW_INPUT_X; output `x` is written at the path $PW_OUTPUT_X; each metric is one
// JSON line appended to the file $PW_METRICS.
const { learning_rate: lr = 0.5, epochs = 300 } = JSON.parse(readFileSync(process.env.PW_PARAMS, 'utf8'));
if (!(typeof lr === 'number' && lr > 0)) fail(`parameter learning_rate is ${JSON.stringify(lr)}; expected a number > 0.`);
if (!(Number.isInteger(epochs) && epochs >= 1)) fail(`parameter epochs is ${JSON.stringify(epochs)}; expected an integer ≥ 1.`);

const data = JSON.parse(readFileSync(process.env.PW_INPUT_TRAIN, 'utf8'));
const metric = (name, value, step) => appendFileSync(process.env.PW_METRICS, `${JSON.stringify({ name, value, step })}\n`);
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

// Softmax is monotonic, so the most probable class is the prediction.
const accuracy = x.filter((row, i) => {
  const p = softmaxRow(row);
  return p.indexOf(Math.max(...p)) === y[i];
}).length / n;
metric('train_accuracy', accuracy);
const model = {
  kind: 'softmax-regression',
  features: data.features,
  classes,
  normalization: data.normalization,
  weights: w,
  training: { learning_rate: lr, epochs, loss, accuracy },
};
writeFileSync(process.env.PW_OUTPUT_MODEL, JSON.stringify(model));
console.log(`train: ${epochs} epochs, lr ${lr}: loss ${loss.toFixed(4)}, train accuracy ${accuracy.toFixed(4)}`);
