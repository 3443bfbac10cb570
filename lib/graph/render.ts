/**
 * Renders a pipeline's DAG as Mermaid or Graphviz DOT, for docs and reviews.
 *
 * Steps are nodes (GPU steps labelled `[GPU]` and coloured), data edges carry the upstream output's
 * name, `after` edges are dashed (unless a data edge already links the two steps), and external inputs
 * (`path:` and `uri:`) are nodes of their own. The output is deterministic: sorted by name.
 */
import { basename, dirname, relative } from 'node:path';
import type { PipelineIR } from '../ir';

/** The formats `renderGraph` writes. */
export type GraphFormat = 'mermaid' | 'dot';

/** The formats, for argument checking. */
export const GRAPH_FORMATS: readonly GraphFormat[] = ['mermaid', 'dot'];

interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly kind: 'step' | 'gpu-step' | 'input';
  /** The step's state in a run. @default - no run shown */
  readonly status?: string;
}

/** A step's state in a run (`ran`, `reused`, `failed`, `skipped`, `running`, `pending`) for `renderGraph`. */
export type StepStatusMap = Readonly<Record<string, string>>;

/** Fill and stroke per step state, shared by both formats. */
const STATUS_COLOURS: Readonly<Record<string, readonly [string, string]>> = {
  ran: ['#dcfce7', '#16a34a'],
  reused: ['#cffafe', '#0891b2'],
  failed: ['#fee2e2', '#dc2626'],
  skipped: ['#f3f4f6', '#9ca3af'],
  running: ['#fef3c7', '#d97706'],
  pending: ['#f8fafc', '#cbd5e1'],
};

interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** @default - no label */
  readonly label?: string;
  readonly dashed: boolean;
}

/** Renders the DAG of a pipeline in the given format; with `status`, each step is labelled and coloured by its state in a run. */
export function renderGraph(ir: PipelineIR, format: GraphFormat, status?: StepStatusMap): string {
  const graph = graphOf(ir);
  const nodes = status
    ? graph.nodes.map((n) => {
        const name = n.kind === 'input' ? undefined : Object.keys(ir.steps).sort()[Number(n.id.slice(1))];
        const st = name !== undefined ? status[name] : undefined;
        return st ? { ...n, label: `${n.label}: ${st}`, status: st } : n;
      })
    : graph.nodes;
  return format === 'dot' ? toDot(ir.name, nodes, graph.edges) : toMermaid(nodes, graph.edges);
}

/** Nodes and edges of a pipeline, sorted. */
function graphOf(ir: PipelineIR): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const names = Object.keys(ir.steps).sort();
  const stepId = new Map(names.map((n, i) => [n, `s${i}`]));
  const nodes: GraphNode[] = names.map((name) => ({
    id: stepId.get(name)!,
    label: ir.steps[name].compute.gpus > 0 ? `${name} [GPU]` : name,
    kind: ir.steps[name].compute.gpus > 0 ? 'gpu-step' : 'step',
  }));
  const inputIds = new Map<string, string>();
  const inputNodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const root = dirname(ir.source);
  for (const name of names) {
    const step = ir.steps[name];
    const to = stepId.get(name)!;
    const dataLabels = new Map<string, string[]>();
    for (const inputName of Object.keys(step.inputs).sort()) {
      const input = step.inputs[inputName];
      if (input.kind === 'step') {
        const from = stepId.get(input.step) ?? input.step;
        const labels = dataLabels.get(from) ?? [];
        if (!labels.includes(input.output)) labels.push(input.output);
        dataLabels.set(from, labels);
        continue;
      }
      const source = input.kind === 'path' ? `path:${input.path}` : `uri:${input.uri}`;
      let id = inputIds.get(source);
      if (id === undefined) {
        id = `in${inputIds.size}`;
        inputIds.set(source, id);
        const rel = input.kind === 'path' ? relative(root, input.path) || basename(input.path) : input.uri;
        inputNodes.push({ id, label: rel, kind: 'input' });
      }
      edges.push({ from: id, to, label: inputName, dashed: false });
    }
    for (const [from, labels] of [...dataLabels].sort(([a], [b]) => a.localeCompare(b, 'en'))) {
      edges.push({ from, to, label: labels.sort().join(', '), dashed: false });
    }
    for (const dep of step.after) {
      const from = stepId.get(dep) ?? dep;
      if (!dataLabels.has(from)) edges.push({ from, to, dashed: true });
    }
  }
  return { nodes: [...nodes, ...inputNodes], edges };
}

/** Mermaid `flowchart LR` text. */
function toMermaid(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): string {
  const quote = (s: string) => `"${s.replace(/"/g, '#quot;')}"`;
  const lines = ['flowchart LR'];
  for (const n of nodes) {
    if (n.kind === 'input') lines.push(`  ${n.id}[(${quote(n.label)})]:::input`);
    else lines.push(`  ${n.id}[${quote(n.label)}]${n.status && STATUS_COLOURS[n.status] ? `:::${n.status}` : n.kind === 'gpu-step' ? ':::gpu' : ''}`);
  }
  for (const e of edges) {
    const arrow = e.dashed ? '-.->' : '-->';
    lines.push(e.label ? `  ${e.from} ${arrow}|${quote(e.label)}| ${e.to}` : `  ${e.from} ${arrow} ${e.to}`);
  }
  lines.push('  classDef gpu fill:#fde68a,stroke:#b45309,stroke-width:2px');
  lines.push('  classDef input fill:#e0f2fe,stroke:#0369a1');
  for (const st of new Set(nodes.map((n) => n.status))) {
    const c = st ? STATUS_COLOURS[st] : undefined;
    if (c) lines.push(`  classDef ${st} fill:${c[0]},stroke:${c[1]},stroke-width:2px`);
  }
  return `${lines.join('\n')}\n`;
}

/** Graphviz DOT text. */
function toDot(name: string, nodes: readonly GraphNode[], edges: readonly GraphEdge[]): string {
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = [`digraph ${quote(name)} {`, '  rankdir=LR;', '  node [shape=box, style=rounded];'];
  for (const n of nodes) {
    const attrs = [`label=${quote(n.label)}`];
    if (n.kind === 'gpu-step') attrs.push('style="rounded,filled,bold"', 'fillcolor="#fde68a"', 'color="#b45309"');
    if (n.kind === 'input') attrs.push('shape=cylinder', 'style=filled', 'fillcolor="#e0f2fe"');
    const c = n.status ? STATUS_COLOURS[n.status] : undefined;
    if (c && n.kind !== 'gpu-step') attrs.push('style="rounded,filled"', `fillcolor="${c[0]}"`, `color="${c[1]}"`);
    lines.push(`  ${n.id} [${attrs.join(', ')}];`);
  }
  for (const e of edges) {
    const attrs: string[] = [];
    if (e.label) attrs.push(`label=${quote(e.label)}`);
    if (e.dashed) attrs.push('style=dashed');
    lines.push(`  ${e.from} -> ${e.to}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
