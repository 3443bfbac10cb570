// prepare: validates the Iris CSV, splits it into train/test with a fixed seed, z-score normalizes the
// features with the training set's statistics, and writes the outputs `train` and `test` (JSON).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Prints a message on stderr and exits 1 (the runner shows the last lines of stderr). */
function fail(message) {
  console.error(`${process.env.PW_STEP}: ${message}`);
  process.exit(1);
}

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const CLASSES = ['setosa', 'versicolor', 'virginica'];
const TEST_FRACTION = 0.3;
const SEED = 42;

// The step contract (docs/steps.md): $PW_PARAMS is a JSON file of the parameters the step declares, typed;
// input `raw` is the path $PW_INPUT_RAW; output `x` is written at the path $PW_OUTPUT_X.
const { split = 'stratified' } = JSON.parse(readFileSync(process.env.PW_PARAMS, 'utf8'));
if (split !== 'stratified' && split !== 'random') {
  fail(`parameter split is ${JSON.stringify(split)}; expected "stratified" or "random".`);
}

const file = process.env.PW_INPUT_RAW;
// Staged inputs are named after the input, not the original file.
const name = `input 'raw' (${basename(file) === 'raw' ? 'the Iris CSV' : basename(file)})`;
const lines = readFileSync(file, 'utf8').split(/\r?\n/);
const header = (lines[0] ?? '').trim();
const expected = [...FEATURES, 'species'].join(',');
if (header !== expected) fail(`${name}, line 1: header is ${JSON.stringify(header)}; expected ${JSON.stringify(expected)}.`);

const rows = [];
lines.slice(1).forEach((raw, i) => {
  const line = i + 2;
  if (raw.trim() === '') return;
  const cells = raw.split(',').map((c) => c.trim());
  if (cells.length !== 5) fail(`${name}, line ${line}: ${cells.length} columns; expected 5 (${expected}).`);
  const x = FEATURES.map((f, j) => {
    const v = Number(cells[j]);
    if (cells[j] === '' || !Number.isFinite(v)) fail(`${name}, line ${line}: ${f} ${JSON.stringify(cells[j])} is not a number; expected e.g. 5.1.`);
    if (v < 0) fail(`${name}, line ${line}: ${f} ${v} is negative; expected a length in cm.`);
    return v;
  });
  const species = cells[4].replace(/^Iris-/, '');
  const y = CLASSES.indexOf(species);
  if (y < 0) fail(`${name}, line ${line}: species ${JSON.stringify(cells[4])} is unknown; expected one of ${CLASSES.join(', ')}.`);
  rows.push({ x, y });
});
if (rows.length < 10) fail(`${name}: ${rows.length} data rows; expected at least 10.`);

// mulberry32: a small seeded generator, so the split is the same on every run and machine.
let state = SEED >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const train = [];
const test = [];
const groups = split === 'stratified' ? CLASSES.map((_, k) => rows.filter((r) => r.y === k)) : [rows];
for (const g of groups) {
  const shuffled = shuffle([...g]);
  const nTest = Math.round(shuffled.length * TEST_FRACTION);
  test.push(...shuffled.slice(0, nTest));
  train.push(...shuffled.slice(nTest));
}

const mean = FEATURES.map((_, j) => train.reduce((s, r) => s + r.x[j], 0) / train.length);
const std = FEATURES.map((_, j) => Math.sqrt(train.reduce((s, r) => s + (r.x[j] - mean[j]) ** 2, 0) / train.length) || 1);
const normalize = (r) => r.x.map((v, j) => (v - mean[j]) / std[j]);
const doc = (set) => ({
  features: FEATURES,
  classes: CLASSES,
  normalization: { mean, std },
  split,
  x: set.map(normalize),
  y: set.map((r) => r.y),
});
writeFileSync(process.env.PW_OUTPUT_TRAIN, JSON.stringify(doc(train)));
writeFileSync(process.env.PW_OUTPUT_TEST, JSON.stringify(doc(test)));
console.log(`prepare: ${rows.length} rows → ${train.length} train, ${test.length} test (${split} split, seed ${SEED})`);
