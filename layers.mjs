// Which folder of lib/ may import which: the table of docs/architecture.md, enforced by eslint.config.mjs
// (and checked against the document by test/architecture.test.ts). `errors.ts` may be imported by all.
/** @type {Record<string, readonly string[]>} */
export const LAYERS = {
  ir: [],
  compat: [],
  schedule: [],
  client: [],
  preflight: [],
  store: ['ir'],
  spec: ['ir', 'schedule'],
  dsl: ['ir', 'spec'],
  protocol: ['ir', 'store'],
  compiler: ['ir', 'protocol'],
  graph: ['ir'],
  manifest: ['ir', 'store', 'protocol'],
  reuse: ['ir', 'store', 'protocol'],
  runner: ['ir', 'store', 'protocol'],
  engine: ['compat', 'ir', 'spec', 'compiler', 'protocol', 'store', 'manifest', 'reuse', 'runner'],
  api: ['ir', 'spec', 'protocol', 'store', 'reuse'],
  ui: ['store', 'api'],
  serve: ['ir', 'schedule', 'protocol', 'store', 'engine', 'api', 'client', 'ui'],
  constructs: ['ir', 'spec', 'compiler', 'protocol', 'store', 'manifest'],
  cli: ['ir', 'schedule', 'spec', 'dsl', 'protocol', 'compiler', 'graph', 'store', 'manifest', 'reuse', 'runner', 'engine', 'api', 'serve', 'client', 'preflight', 'ui'],
};

/** What the Lambda entry points (lambdas/) may import. */
export const LAMBDAS = ['api', 'reuse', 'store'];

/**
 * `import-x/no-restricted-paths` zones: a folder reaches another only through its `index.ts`, and only
 * when the table allows it.
 */
export function layerZones() {
  const folders = Object.keys(LAYERS);
  const zones = [];
  const zonesFor = (target, allowed, who) => {
    for (const from of folders) {
      if (`./lib/${from}` === target) continue;
      zones.push(
        allowed.includes(from)
          ? { target, from: `./lib/${from}`, except: ['./index.ts'], message: `Import lib/${from} through its index.ts (its public contract).` }
          : { target, from: `./lib/${from}`, message: `${who} may not import lib/${from}: see the table in docs/architecture.md.` },
      );
    }
    zones.push({ target, from: './lib/index.ts', message: `${who} may not import the package entry point lib/index.ts.` });
  };
  for (const [folder, allowed] of Object.entries(LAYERS)) zonesFor(`./lib/${folder}`, allowed, `lib/${folder}`);
  zonesFor('./lambdas', LAMBDAS, 'lambdas/');
  return zones;
}
