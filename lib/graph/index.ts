/**
 * Pictures of a pipeline's DAG: `renderGraph(ir, 'mermaid' | 'dot')`, used by `pipewright graph`.
 */
export { renderGraph, GRAPH_FORMATS, type GraphFormat, type StepStatusMap } from './render';
