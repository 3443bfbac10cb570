// register: publishes the model to the output `registered` only when its test accuracy reaches
// `min_accuracy`; otherwise fails, stating the accuracy and the threshold.
import { fail, params, readJson, writeJson } from './common.mjs';

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
