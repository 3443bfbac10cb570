// Scores one partition ($PW_ITEM, a CSV file) with the logistic model in $PW_INPUT_MODEL; writes
// "id,score" lines to $PW_OUTPUT_SCORES. Run once per partition by the foreach.
import { readFileSync, writeFileSync } from 'node:fs';

const model = JSON.parse(readFileSync(process.env.PW_INPUT_MODEL, 'utf8'));
const [header, ...rows] = readFileSync(process.env.PW_ITEM, 'utf8').trim().split('\n');
const cols = header.split(',');
if (cols[0] !== 'id') {
  console.error(`${process.env.PW_ITEM_NAME}: expected a CSV with an "id" column first; got ${header}`);
  process.exit(2);
}
const out = ['id,score'];
for (const row of rows) {
  const values = row.split(',');
  let z = model.bias;
  cols.slice(1).forEach((c, i) => (z += (model.weights[c] ?? 0) * Number(values[i + 1])));
  out.push(`${values[0]},${(1 / (1 + Math.exp(-z))).toFixed(4)}`);
}
writeFileSync(process.env.PW_OUTPUT_SCORES, `${out.join('\n')}\n`);
