/**
 * The run's DAG as SVG: layout by dagre (@dagrejs/dagre), one node per step coloured by its state, a foreach
 * step drawn as one grouped node with its item counts.
 */
import dagre from '@dagrejs/dagre';
import type { ApiStepNode } from '../../api';

const SVG = 'http://www.w3.org/2000/svg';
const NODE_W = 168;
const NODE_H = 44;
/** Grouped nodes (foreach items, levels of a large run) carry a longer subtitle. */
const GROUP_W = 260;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The label under a step's name: its status, or a foreach step's item counts. */
function subtitle(step: ApiStepNode, unit: string): string {
  if (step.items) {
    const { total, ran, reused, failed } = step.items;
    return `${total} ${unit}: ${ran} ran · ${reused} reused${failed ? ` · ${failed} failed` : ''}`;
  }
  if (step.status === 'skipped' && step.skipReason) return `skipped (${step.skipReason})`;
  return step.status;
}

/** Runs with more steps than this show their DAG by topological level (one grouped node per level). */
export const FULL_LAYOUT_MAX = 120;

/** A level of a large run: its steps and their states. */
export interface StepGroup {
  readonly name: string;
  readonly members: readonly string[];
}

/** Which state a group shows: the most telling of its members'. */
const PRECEDENCE = ['failed', 'running', 'pending', 'ran', 'reused', 'skipped'];

/**
 * Condenses a large run into one node per topological level (longest path from a source), so the layout
 * stays fast; each node counts its steps' states like a foreach step's items.
 */
export function condense(steps: Readonly<Record<string, ApiStepNode>>): { nodes: Record<string, ApiStepNode>; groups: Map<string, StepGroup> } {
  const level = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // a cycle cannot happen in a valid run; never loop on bad data
    seen.add(name);
    const ups = (steps[name]?.upstream ?? []).filter((u) => steps[u]);
    const l = ups.length ? 1 + Math.max(...ups.map((u) => visit(u, seen))) : 0;
    level.set(name, l);
    return l;
  };
  for (const name of Object.keys(steps)) visit(name, new Set());
  const byLevel = new Map<number, string[]>();
  for (const [name, l] of level) byLevel.set(l, [...(byLevel.get(l) ?? []), name]);
  const nodes: Record<string, ApiStepNode> = {};
  const groups = new Map<string, StepGroup>();
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  const nameOf = (l: number) => `level ${l} (${byLevel.get(l)!.length} steps)`;
  for (const l of levels) {
    const members = byLevel.get(l)!.sort();
    const states = members.map((m) => steps[m].status);
    const count = (st: string) => states.filter((x) => x === st).length;
    const status = PRECEDENCE.find((st) => states.includes(st as ApiStepNode['status'])) ?? 'pending';
    const upstream = [...new Set(members.flatMap((m) => steps[m].upstream.map((u) => level.get(u)!)))].filter((u) => u !== undefined).map(nameOf);
    const name = nameOf(l);
    nodes[name] = { status: status as ApiStepNode['status'], upstream, items: { total: members.length, ran: count('ran'), reused: count('reused'), failed: count('failed') } };
    groups.set(name, { name, members });
  }
  return { nodes, groups };
}

/** Renders the DAG; `onSelect` is called with a step's name when its node is clicked. */
export function renderDag(
  steps: Readonly<Record<string, ApiStepNode>>,
  selected: string | undefined,
  onSelect: (step: string) => void,
  /** What a grouped node counts. */
  unit = 'items',
): SVGSVGElement {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 46, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const [name, s] of Object.entries(steps)) g.setNode(name, { width: s.items ? GROUP_W : NODE_W, height: NODE_H });
  for (const [name, s] of Object.entries(steps)) for (const up of s.upstream) if (steps[up]) g.setEdge(up, name);
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  const root = svg('svg', { class: 'dag', width: Math.ceil(width), height: Math.ceil(height), viewBox: `0 0 ${Math.ceil(width)} ${Math.ceil(height)}` });
  const defs = svg('defs', {});
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
  defs.append(marker);
  root.append(defs);
  for (const e of g.edges()) {
    const points: { x: number; y: number }[] = (g.edge(e) as { points?: { x: number; y: number }[] }).points ?? [];
    if (points.length === 0) continue;
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    root.append(svg('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' }));
  }
  for (const [name, s] of Object.entries(steps)) {
    const n = g.node(name);
    const w = s.items ? GROUP_W : NODE_W;
    const group = svg('g', {
      class: `node st-${s.status}${s.items ? ' foreach' : ''}${name === selected ? ' selected' : ''}`,
      transform: `translate(${(n.x - w / 2).toFixed(1)},${(n.y - NODE_H / 2).toFixed(1)})`,
      'data-step': name,
      'data-status': s.status,
      tabindex: 0,
      role: 'button',
    });
    if (s.items) group.append(svg('rect', { class: 'stack', x: 4, y: -4, width: w, height: NODE_H, rx: 6 }));
    group.append(svg('rect', { class: 'box', width: w, height: NODE_H, rx: 6 }));
    const title = svg('text', { x: 10, y: 18, class: 'name' });
    title.textContent = name.length > 24 ? `${name.slice(0, 23)}…` : name;
    const sub = svg('text', { x: 10, y: 35, class: 'sub' });
    sub.textContent = subtitle(s, unit);
    const tip = svg('title', {});
    tip.textContent = `${name}: ${subtitle(s, unit)}`;
    group.append(title, sub, tip);
    group.addEventListener('click', () => onSelect(name));
    group.addEventListener('keydown', (ev) => {
      if ((ev as KeyboardEvent).key === 'Enter') onSelect(name);
    });
    root.append(group);
  }
  return root;
}
