/**
 * `pipewright graph <file> --format mermaid|dot`: prints the pipeline's DAG.
 */
import { type Command, Option } from 'commander';
import { GRAPH_FORMATS, type GraphFormat, renderGraph } from '../../graph';
import { loadPipeline } from '../../spec';

interface GraphFlags {
  readonly format: GraphFormat;
}

/** Registers `graph`. */
export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('Print the pipeline DAG as Mermaid or Graphviz DOT (data edges labelled, GPU steps marked)')
    .argument('<file>', 'pipeline definition: .yaml, .yml, .json, .ts, .mts, .js or .mjs')
    .addOption(new Option('--format <format>', 'output format').choices([...GRAPH_FORMATS]).default('mermaid'))
    .action(async (file: string, flags: GraphFlags) => {
      process.stdout.write(renderGraph(await loadPipeline(file), flags.format));
    });
}
