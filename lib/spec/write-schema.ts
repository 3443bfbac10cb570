/**
 * `npm run schema`: rewrites `schema/pipeline.schema.json` from the field table.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderPipelineSchema } from './schema';

// Path of the committed schema file.
const SCHEMA_FILE = fileURLToPath(new URL('../../schema/pipeline.schema.json', import.meta.url));

writeFileSync(SCHEMA_FILE, renderPipelineSchema());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
