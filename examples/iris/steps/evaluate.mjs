// evaluate: accuracy and confusion matrix of the model on the test set, as metrics and the output `report`.
import { fail, metric, predict, readJson, writeJson } from './common.mjs';

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
