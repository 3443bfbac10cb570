// Publishes the merged scores (runs only when the merge's flagged rate is plausible: see `when`).
import { copyFileSync } from 'node:fs';

copyFileSync(process.env.PW_INPUT_SCORES, process.env.PW_OUTPUT_PUBLISHED);
console.log('published');
