// Merges the gathered scores ($PW_INPUT_SCORES: one file per partition, named after it) into one CSV,
// reports partitions that failed (from $PW_INPUT_ITEMS) and logs rows and flagged_rate as metrics.
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const threshold = Number(process.env.PW_PARAM_THRESHOLD);
const items = JSON.parse(readFileSync(process.env.PW_INPUT_ITEMS, 'utf8'));
const missing = items.filter((i) => i.status !== 'ok').map((i) => i.name);
if (missing.length) console.error(`partitions without scores: ${missing.join(', ')}`);
const lines = ['partition,id,score'];
let flagged = 0;
for (const file of readdirSync(process.env.PW_INPUT_SCORES).sort()) {
  for (const row of readFileSync(join(process.env.PW_INPUT_SCORES, file), 'utf8').trim().split('\n').slice(1)) {
    lines.push(`${file},${row}`);
    if (Number(row.split(',')[1]) >= threshold) flagged++;
  }
}
const rows = lines.length - 1;
writeFileSync(process.env.PW_OUTPUT_SCORES, `${lines.join('\n')}\n`);
const metric = (name, value) => appendFileSync(process.env.PW_METRICS, `${JSON.stringify({ name, value })}\n`);
metric('rows', rows);
metric('flagged_rate', rows ? flagged / rows : 0);
metric('missing_partitions', missing.length);
console.log(`merged ${rows} rows, ${flagged} flagged at >= ${threshold}`);
