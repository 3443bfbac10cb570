/**
 * `npm run build:ui [-- --out DIR]`: bundles the browser app (lib/ui/app) with esbuild into `app.js` and
 * `app.css` (default: dist/ui, where `serve` and `report` look; `npm run build` writes the same files).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleUi, uiDistDir } from './assets';

const outFlag = process.argv.indexOf('--out');
const out = outFlag >= 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1]) : uiDistDir();
const assets = await bundleUi();
await mkdir(out, { recursive: true });
await writeFile(join(out, 'app.js'), assets.js);
await writeFile(join(out, 'app.css'), assets.css);
process.stdout.write(`ui: wrote ${join(out, 'app.js')} (${(assets.js.length / 1024).toFixed(0)} KiB) and app.css (${(assets.css.length / 1024).toFixed(0)} KiB)\n`);
