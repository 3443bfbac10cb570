// prepare: validates the Iris CSV, splits it into train/test with a fixed seed, z-score normalizes the
// features with the training set's statistics, and writes the outputs `train` and `test` (JSON).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

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

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const CLASSES = ['setosa', 'versicolor', 'virginica'];
const TEST_FRACTION = 0.3;
const SEED = 42;

const { split = 'stratified' } = params();
if (split !== 'stratified' && split !== 'random') {
  fail(`parameter split is ${JSON.stringify(split)}; expected "stratified" or "random".`);
}

const file = inputPath('raw');
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
writeJson('train', doc(train));
writeJson('test', doc(test));
console.log(`prepare: ${rows.length} rows → ${train.length} train, ${test.length} test (${split} split, seed ${SEED})`);
