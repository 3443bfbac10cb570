/**
 * Type-checks a TypeScript DSL module with the TypeScript compiler of the user's project, when it has one.
 *
 * Pipewright does not ship TypeScript: a pipeline is checked by the same compiler (and tsconfig.json) the user's
 * editor uses, so a typo in an output reference or a parameter name is reported before anything runs.
 */
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Problem } from '../errors';

/** What `typeCheckModule` found. */
export interface TypeCheckResult {
  /** Whether the module was type-checked. */
  readonly checked: boolean;
  /** Every type error, as `file:line:col` problems with the TypeScript message. */
  readonly problems: readonly Problem[];
  /** Why the module was not checked, and how to have it checked. @default - none (it was checked) */
  readonly reason?: string;
}

/** The parts of the `typescript` module used here. */
type TypeScript = typeof import('typescript');

/** Loads the `typescript` package that the module's own project resolves, or undefined. */
async function loadTypeScript(source: string): Promise<TypeScript | undefined> {
  let resolved: string;
  try {
    resolved = createRequire(source).resolve('typescript');
  } catch {
    return undefined;
  }
  const mod = (await import(pathToFileURL(resolved).href)) as { default?: TypeScript } & TypeScript;
  return mod.default ?? mod;
}

/** Compiler options: the nearest tsconfig.json's, else strict ES modules resolved like a bundler. */
function compilerOptions(ts: TypeScript, source: string): { options: import('typescript').CompilerOptions; problems: Problem[] } {
  const configPath = ts.findConfigFile(dirname(source), ts.sys.fileExists);
  if (configPath === undefined) {
    return {
      options: {
        strict: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        skipLibCheck: true,
      },
      problems: [],
    };
  }
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, dirname(configPath), undefined, configPath);
  const errors = [...(read.error ? [read.error] : []), ...parsed.errors.filter((d) => d.code !== 18003)]; // 18003: no inputs
  return { options: parsed.options, problems: errors.map((d) => toProblem(ts, d, configPath)) };
}

function toProblem(ts: TypeScript, d: import('typescript').Diagnostic, fallbackFile: string): Problem {
  const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  if (!d.file || d.start === undefined) return { file: relative(process.cwd(), fallbackFile) || fallbackFile, path: '', message };
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return { file: relative(process.cwd(), d.file.fileName) || d.file.fileName, path: '', message, line: line + 1, column: character + 1 };
}

/**
 * Type-checks the module at `source` (an absolute path) and everything it imports.
 *
 * Uses the `typescript` package and the nearest `tsconfig.json` of the module's project; without TypeScript
 * there, returns `checked: false` with the reason.
 */
export async function typeCheckModule(source: string): Promise<TypeCheckResult> {
  const ts = await loadTypeScript(source);
  if (ts === undefined) {
    return {
      checked: false,
      problems: [],
      reason: "TypeScript is not installed in this pipeline's project; `npm install --save-dev typescript` there to have it type-checked",
    };
  }
  const { options, problems } = compilerOptions(ts, source);
  const program = ts.createProgram({ rootNames: [source], options: { ...options, noEmit: true, incremental: false, composite: false } });
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  return { checked: true, problems: [...problems, ...diagnostics.map((d) => toProblem(ts, d, source))] };
}
