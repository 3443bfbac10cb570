// evaluate: accuracy and confusion matrix of the model on the test set, as metrics and the output `report`.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

/** Prints a message on stderr and exits 1 (the runner shows the last lines of stderr). */
function fail(message) {
  console.error(`${process.env.PW_STEP}: ${message}`);
  process.exit(1);
}

// The step contract (docs/steps.md): input `x` is the path $PW_INPUT_X, output `x` is written at the path
// $PW_OUTPUT_X, and each metric is one JSON line appended to the file $PW_METRICS.
const model = JSON.parse(readFileSync(process.env.PW_INPUT_MODEL, 'utf8'));
const test = JSON.parse(readFileSync(process.env.PW_INPUT_TEST, 'utf8'));
const metric = (name, value) => appendFileSync(process.env.PW_METRICS, `${JSON.stringify({ name, value })}\n`);

if (JSON.stringify(model.classes) !== JSON.stringify(test.classes)) {
  fail(`the model's classes ${JSON.stringify(model.classes)} differ from the test set's ${JSON.stringify(test.classes)}.`);
}
const { classes } = model;
// The predicted class of each row: the class whose linear score (bias w[0] plus weights · features) is highest.
const predicted = test.x.map((x) => {
  const scores = model.weights.map((w) => x.reduce((s, v, j) => s + w[j + 1] * v, w[0]));
  return scores.indexOf(Math.max(...scores));
});
const confusion = classes.map(() => classes.map(() => 0)); // confusion[actual][predicted]
predicted.forEach((p, i) => confusion[test.y[i]][p]++);
const correct = predicted.filter((p, i) => p === test.y[i]).length;
const accuracy = correct / test.y.length;

metric('accuracy', accuracy);
classes.forEach((actual, a) => classes.forEach((pred, p) => metric(`confusion.${actual}.${pred}`, confusion[a][p])));
writeFileSync(process.env.PW_OUTPUT_REPORT, JSON.stringify({ accuracy, correct, total: test.y.length, classes, confusion }));

const width = Math.max(...classes.map((c) => c.length));
console.log(`evaluate: accuracy ${accuracy.toFixed(4)} (${correct}/${test.y.length})`);
console.log(`${''.padEnd(width)}  ${classes.map((c) => c.padStart(width)).join(' ')}   (rows: actual, columns: predicted)`);
classes.forEach((c, a) => console.log(`${c.padEnd(width)}  ${confusion[a].map((v) => String(v).padStart(width)).join(' ')}`));
