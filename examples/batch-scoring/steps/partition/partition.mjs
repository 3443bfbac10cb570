// Writes $PW_PARAM_PARTITIONS CSV files of synthetic card transactions (deterministic: seeded), one per
// partition, into $PW_OUTPUT_PARTS: the list that the score step fans out over is only known at run time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const partitions = Number(process.env.PW_PARAM_PARTITIONS);
const rows = Number(process.env.PW_PARAM_ROWS);
let seed = Number(process.env.PW_PARAM_SEED);
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

mkdirSync(process.env.PW_OUTPUT_PARTS, { recursive: true });
for (let p = 0; p < partitions; p++) {
  const lines = ['id,amount,foreign,night'];
  for (let r = 0; r < rows; r++) {
    lines.push(`${p}-${r},${(rand() * 2000).toFixed(2)},${rand() < 0.1 ? 1 : 0},${rand() < 0.3 ? 1 : 0}`);
  }
  writeFileSync(join(process.env.PW_OUTPUT_PARTS, `part-${String(p).padStart(3, '0')}.csv`), `${lines.join('\n')}\n`);
}
console.log(`wrote ${partitions} partitions of ${rows} rows`);
