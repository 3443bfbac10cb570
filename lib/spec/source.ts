/**
 * Parses YAML or JSON definition text into plain data and remembers the line of every key and item.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import type { Problem } from '../errors';
import { joinPath, parentPath } from './path';

/** The text format of a definition file. */
export type SourceFormat = 'yaml' | 'json';

/** Parsed definition text. */
export interface ParsedSource {
  /** The plain data (undefined when the text has syntax errors). */
  readonly value: unknown;
  /** Syntax problems (empty when the text parsed). */
  readonly problems: readonly Problem[];
  /** 1-based line of a dotted path, falling back to the nearest enclosing path that has one. */
  readonly lineOf: (path: string) => number | undefined;
}

/** Parses YAML (or JSON, which is checked strictly as JSON too) and indexes lines by dotted path. */
export function parseSource(text: string, file: string, format: SourceFormat): ParsedSource {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true });
  const lines = new Map<string, number>();
  const lineOf = (path: string): number | undefined => {
    for (let p: string | undefined = path; p !== undefined; p = parentPath(p)) {
      const line = lines.get(p);
      if (line !== undefined) return line;
    }
    return undefined;
  };
  const problems: Problem[] = doc.errors.map((e) => ({
    file,
    path: '',
    line: e.linePos?.[0].line,
    message: `${format === 'json' ? 'JSON' : 'YAML'} syntax error: ${firstLine(e.message)}; fix the text at this line`,
  }));
  if (problems.length === 0 && format === 'json') {
    try {
      JSON.parse(text);
    } catch (err) {
      const message = (err as Error).message;
      const pos = /position (\d+)/.exec(message);
      problems.push({
        file,
        path: '',
        line: pos ? counter.linePos(Number(pos[1])).line : undefined,
        message: `JSON syntax error: ${message}; fix the text (JSON allows no comments, trailing commas or unquoted keys) or use YAML`,
      });
    }
  }
  if (problems.length > 0) return { value: undefined, problems, lineOf };

  const visit = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const childPath = joinPath(path, key);
        const keyNode = pair.key as Node | null;
        if (keyNode?.range) lines.set(childPath, counter.linePos(keyNode.range[0]).line);
        visit(pair.value, childPath);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const childPath = joinPath(path, i);
        const itemNode = item as Node | null;
        if (itemNode?.range) lines.set(childPath, counter.linePos(itemNode.range[0]).line);
        visit(item, childPath);
      });
    }
  };
  const root = doc.contents as Node | null;
  if (root?.range) lines.set('', counter.linePos(root.range[0]).line);
  visit(root, '');
  return { value: doc.toJS({ maxAliasCount: 1000 }), problems, lineOf };
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
