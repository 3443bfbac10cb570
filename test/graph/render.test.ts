/** Mermaid and DOT pictures of a pipeline. */
import { describe, expect, it } from 'vitest';
import { renderGraph } from '../../lib/graph/index';
import type { PipelineIR, StepIR } from '../../lib/ir/types';
import { makeIr } from '../compiler/fixtures';

/** A pipeline with a path input, a URI input, data edges, a GPU step and an ordering-only edge. */
function pipeline(): PipelineIR {
  const base = makeIr([
    { name: 'load', deps: [] },
    { name: 'train', deps: ['load'], gpus: 1 },
    { name: 'report', deps: ['train'], after: ['audit'] },
    { name: 'audit', deps: [] },
  ]);
  const steps: Record<string, StepIR> = { ...base.steps };
  steps.load = {
    ...steps.load,
    inputs: { raw: { kind: 'path', path: '/fixtures/data/raw.csv' }, extra: { kind: 'uri', uri: 's3://bucket/extra "x"', bucket: 'bucket', key: 'extra "x"' } },
    outputs: ['features', 'labels'],
  };
  steps.train = {
    ...steps.train,
    inputs: { x: { kind: 'step', step: 'load', output: 'features' }, y: { kind: 'step', step: 'load', output: 'labels' } },
  };
  steps.audit = { ...steps.audit, inputs: { raw: { kind: 'path', path: '/fixtures/data/raw.csv' } } };
  return { ...base, name: 'demo', steps };
}

describe('renderGraph', () => {
  it('writes Mermaid with labelled data edges, dashed after edges, input nodes and GPU steps marked', () => {
    expect(renderGraph(pipeline(), 'mermaid')).toBe(
      [
        'flowchart LR',
        '  s0["audit"]',
        '  s1["load"]',
        '  s2["report"]',
        '  s3["train [GPU]"]:::gpu',
        '  in0[("data/raw.csv")]:::input',
        '  in1[("s3://bucket/extra #quot;x#quot;")]:::input',
        '  in0 -->|"raw"| s0',
        '  in1 -->|"extra"| s1',
        '  in0 -->|"raw"| s1',
        '  s3 -->|"out"| s2',
        '  s0 -.-> s2',
        '  s1 -->|"features, labels"| s3',
        '  classDef gpu fill:#fde68a,stroke:#b45309,stroke-width:2px',
        '  classDef input fill:#e0f2fe,stroke:#0369a1',
        '',
      ].join('\n'),
    );
  });

  it('writes Graphviz DOT with the same graph', () => {
    expect(renderGraph(pipeline(), 'dot')).toBe(
      [
        'digraph "demo" {',
        '  rankdir=LR;',
        '  node [shape=box, style=rounded];',
        '  s0 [label="audit"];',
        '  s1 [label="load"];',
        '  s2 [label="report"];',
        '  s3 [label="train [GPU]", style="rounded,filled,bold", fillcolor="#fde68a", color="#b45309"];',
        '  in0 [label="data/raw.csv", shape=cylinder, style=filled, fillcolor="#e0f2fe"];',
        '  in1 [label="s3://bucket/extra \\"x\\"", shape=cylinder, style=filled, fillcolor="#e0f2fe"];',
        '  in0 -> s0 [label="raw"];',
        '  in1 -> s1 [label="extra"];',
        '  in0 -> s1 [label="raw"];',
        '  s3 -> s2 [label="out"];',
        '  s0 -> s2 [style=dashed];',
        '  s1 -> s3 [label="features, labels"];',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('draws no dashed edge where an `after` repeats a data dependency', () => {
    const ir = makeIr([
      { name: 'a', deps: [] },
      { name: 'b', deps: ['a'], after: ['a'] },
    ]);
    expect(renderGraph(ir, 'dot')).not.toContain('dashed];');
    expect(renderGraph(ir, 'mermaid')).not.toContain('-.->');
  });

  it('does not depend on the order of steps in the file', () => {
    const ir = pipeline();
    const reversed: PipelineIR = { ...ir, steps: Object.fromEntries(Object.entries(ir.steps).reverse()) };
    expect(renderGraph(reversed, 'mermaid')).toBe(renderGraph(ir, 'mermaid'));
    expect(renderGraph(reversed, 'dot')).toBe(renderGraph(ir, 'dot'));
  });
});
