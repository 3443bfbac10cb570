/**
 * `pipewright graph <file> --format mermaid|dot`: prints the pipeline's DAG.
 */
import { type Command, Option } from 'commander';
import { GRAPH_FORMATS, type GraphFormat, renderGraph } from '../../graph';
import { loadPipeline } from '../../spec';
import { NotFoundError } from '../../errors';
import { openStore } from '../../store';
import { storeLocation } from '../private/paths';

interface GraphFlags {
  readonly format: GraphFormat;
  readonly run?: string;
  readonly store?: string;
}

/** Registers `graph`. */
export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('Print the pipeline DAG as Mermaid or Graphviz DOT (data edges labelled, GPU steps marked)')
    .argument('<file>', 'pipeline definition: .yaml, .yml, .json, .ts, .mts, .js or .mjs')
    .addOption(new Option('--format <format>', 'output format').choices([...GRAPH_FORMATS]).default('mermaid'))
    .option('--run <runId>', "label and colour each step by its state in this run ('latest': the newest run of this pipeline)")
    .option('--store <dir>', 'artifact store directory for --run (default: $PIPEWRIGHT_STORE or ./.pipewright)')
    .action(async (file: string, flags: GraphFlags) => {
      const ir = await loadPipeline(file);
      let status: Record<string, string> | undefined;
      if (flags.run !== undefined) {
        const store = openStore(storeLocation(flags.store));
        const [{ createRunHistory }, { localRunSource }] = await Promise.all([import('../../api'), import('../../serve')]);
        const history = createRunHistory(localRunSource({ store, pipelines: [ir] }), store);
        let runId = flags.run;
        if (runId === 'latest') {
          const newest = (await history.listRuns(ir.name, 1)).runs[0];
          if (!newest) throw new NotFoundError(`No run of ${ir.name} in the store at ${store.location}; start one with 'pipewright run ${file}'.`);
          runId = newest.runId;
        }
        const view = await history.source.getRun(ir.name, runId);
        if (!view) {
          throw new NotFoundError(`Pipeline '${ir.name}' has no run '${flags.run}' in the store at ${store.location}; list its runs with 'pipewright runs ${ir.name}'.`);
        }
        status = Object.fromEntries(Object.entries(view.steps).map(([k, v]) => [k, v.status]));
      }
      process.stdout.write(renderGraph(ir, flags.format, status));
    });
}
