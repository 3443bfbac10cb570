/**
 * The UI's HTML: the page `serve` answers at `/ui/`, and the self-contained file `pipewright report` writes.
 */
import type { UiAssets } from './assets';

/** JSON safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function shell(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'))}</title>
${head}
</head>
<body>
${body}
</body>
</html>
`;
}

/** The page `serve` answers at `/ui/`: loads `/ui/app.css` and `/ui/app.js`. */
export function servedPage(): string {
  return shell('Pipewright', '<link rel="stylesheet" href="/ui/app.css">', '<script src="/ui/app.js"></script>');
}

/** A report: the app and its styles inlined, with `snapshot` as the only data (works offline, from a file). */
export function reportPage(title: string, snapshot: unknown, assets: UiAssets): string {
  return shell(
    title,
    `<style>\n${assets.css.replace(/<\/style/gi, '<\\/style')}\n</style>`,
    `<script>window.__PIPEWRIGHT_REPORT__ = ${scriptJson(snapshot)};</script>\n<script>\n${assets.js.replace(/<\/script/gi, '<\\/script')}\n</script>`,
  );
}
