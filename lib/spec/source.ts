/**
 * Parses YAML or JSON definition text into plain data and remembers the line of every key and item.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit as yamlVisit, type Node } from 'yaml';
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
  // Duplicate keys are found below in linear time (the parser's own check is quadratic in a mapping's size).
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: true });
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

  const duplicates: Problem[] = [];
  const visit = (node: unknown, path: string): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const childPath = joinPath(path, key);
        const keyNode = pair.key as Node | null;
        if (seen.has(key)) {
          duplicates.push({
            file,
            path: childPath,
            line: keyNode?.range ? counter.linePos(keyNode.range[0]).line : undefined,
            message: `the key "${key}" appears more than once in this mapping; keep one`,
          });
          continue;
        }
        seen.add(key);
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
  if (duplicates.length > 0) return { value: undefined, problems: duplicates, lineOf };
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }), problems, lineOf };
  } catch (err) {
    // An alias bomb (aliases of aliases expanding exponentially) or a cyclic alias: name the first alias.
    let line: number | undefined;
    yamlVisit(doc, {
      Alias(_key, node) {
        if (node.range) line = counter.linePos(node.range[0]).line;
        return yamlVisit.BREAK;
      },
    });
    return {
      value: undefined,
      problems: [{ file, path: '', line, message: `YAML aliases expand too far (${firstLine((err as Error).message)}); write the values out, or use fewer nested aliases` }],
      lineOf,
    };
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
