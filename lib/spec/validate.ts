/**
 * Validates a definition (parsed YAML/JSON or a DSL descriptor) and compiles it into the IR.
 *
 * Every problem is collected and thrown together as one `DefinitionError`; nothing is partially built.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DefinitionError, type Problem } from '../errors';
import { type InputIR, type ParameterIR, type ParameterValue, parseS3Uri, type PipelineIR, type QueueIR, type ScheduleIR, type StepIR } from '../ir';
import { computeSizeProblem } from './compute-size';
import { envSuffix, envSuffixClashes } from './names';
import { parameterValueProblem } from './parameters';
import { isInside, treeProblems } from './file-checks';
import { joinPath } from './path';
import { isKnownTimeZone, knownTimeZones, normalizeScheduleExpression } from '../schedule';
import { conditionSteps } from '../ir';
import { ConditionProblem, parseCondition } from './condition';
import { buildForeach, checkForeach, foreachUpstream, ITEMS_OUTPUT } from './foreach';
import { BUILTIN_DEFAULTS, FRACTIONAL_VCPUS, OUTPUT_REF_PATTERN, PIPELINE_FIELD } from './field-table';
import { checkStructure, INVALID } from './structure';
import { closest, didYouMean } from './suggest';

/** Where a definition came from, for messages and relative paths. */
export interface DefinitionSource {
  /** The file as the user named it (used in messages). */
  readonly file: string;
  /** Absolute path of the file; relative `code` and `path:` entries resolve against its folder. */
  readonly source: string;
  /** The 1-based line of a dotted path, where the format has lines. @default - no line numbers */
  readonly lineOf?: (path: string) => number | undefined;
}

/* The cleaned shapes produced by `checkStructure` (optional everywhere: invalid parts are left out). */
interface ComputeSpec {
  vcpus?: number;
  memory?: number;
  gpus?: number;
  queue?: string;
}
interface StepSpec {
  description?: string;
  code?: string;
  command?: string[];
  image?: string;
  env?: Record<string, string>;
  passEnv?: string[];
  secrets?: Record<string, string | { from: string; kmsKey?: string }>;
  inputs?: Record<string, string | { path?: string; uri?: string }>;
  params?: string[];
  outputs?: string[];
  after?: string[];
  compute?: ComputeSpec;
  retries?: number;
  timeout?: number;
  cache?: boolean;
  cacheVersion?: string;
  foreach?: string;
  batch?: number;
  tolerate?: { count?: number; percent?: number };
  maxConcurrency?: number;
  when?: string;
  metrics?: string[];
}
interface ScheduleSpec {
  cron?: string;
  rate?: string;
  expression?: string;
  timezone?: string;
  parameters?: Record<string, ParameterValue>;
  description?: string;
}
interface PipelineSpec {
  name?: string;
  root?: string;
  description?: string;
  parameters?: Record<string, Partial<ParameterIR>>;
  defaults?: { code?: string; image?: string; compute?: ComputeSpec; retries?: number; timeout?: number; env?: Record<string, string>; cache?: boolean };
  queues?: Record<string, { gpu?: boolean }>;
  steps?: Record<string, StepSpec>;
  finally?: Record<string, StepSpec>;
  schedules?: Record<string, ScheduleSpec>;
}

const BUILTIN_QUEUES: Readonly<Record<string, QueueIR>> = {
  cpu: { name: 'cpu', gpu: false },
  gpu: { name: 'gpu', gpu: true },
};

/**
 * Validates a plain definition object and returns its IR with every default applied.
 *
 * @throws DefinitionError listing every problem, each with the file, dotted path and (for YAML/JSON) line.
 */
export function validateDefinition(raw: unknown, src: DefinitionSource): PipelineIR {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const report = (path: string, message: string): void => {
    const id = `${path}\u0000${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    problems.push({ file: src.file, path, message, line: src.lineOf?.(path) });
  };

  if (raw === null || raw === undefined) {
    report('', 'the definition is empty; expected a mapping with at least "name" and "steps" (see docs/spec.md)');
    throw new DefinitionError(problems);
  }
  const cleaned = checkStructure(raw, PIPELINE_FIELD, '', report);
  if (cleaned === INVALID) throw new DefinitionError(problems);
  const spec = cleaned as PipelineSpec;
  const rawObj = raw as Record<string, unknown>;
  const dir = dirname(src.source);

  checkParameters(spec, report);
  const queues = buildQueues(spec, report);
  checkSteps(spec, rawObj, queues, dir, report);
  checkCycles(spec, report);
  checkFinally(spec, rawObj, dir, report);
  const scheduleExpressions = checkSchedules(spec, rawObj, report);

  if (problems.length > 0) {
    const order = (p: Problem): number => p.line ?? Number.MAX_SAFE_INTEGER;
    throw new DefinitionError([...problems].sort((a, b) => order(a) - order(b)));
  }
  return buildIR(spec, queues, scheduleExpressions, dir, src.source);
}

type Report = (path: string, message: string) => void;

/** A step's code directory (or the default one) must exist and be a directory. */
function checkCodeDir(code: string, path: string, dir: string, report: Report): void {
  const abs = resolve(dir, code);
  if (!existsSync(abs)) report(path, `code directory "${code}" does not exist (resolved to ${abs}); create it or fix the path (it is relative to the definition file)`);
  else if (!isDirectory(abs)) report(path, `code "${code}" is a file, not a directory (resolved to ${abs}); point "code" at the folder that holds the step's files`);
}

function checkParameters(spec: PipelineSpec, report: Report): void {
  for (const [name, p] of Object.entries(spec.parameters ?? {})) {
    const at = (k: string): string => joinPath(joinPath('parameters', name), k);
    if (p.type === undefined) continue;
    const numeric = p.type === 'number' || p.type === 'integer';
    if (p.type === 'list' && p.enum !== undefined) {
      report(at('enum'), `"enum" does not apply to list parameters; remove it or change the type`);
    }
    for (const bound of ['minimum', 'maximum'] as const) {
      if (p[bound] !== undefined && !numeric) {
        report(at(bound), `"${bound}" applies only to number and integer parameters, and this one has type ${p.type}; remove it or change the type`);
      }
    }
    if (numeric && p.minimum !== undefined && p.maximum !== undefined && p.minimum > p.maximum) {
      report(at('minimum'), `minimum ${p.minimum} is greater than maximum ${p.maximum}; swap or fix them`);
    }
    const decl = { type: p.type, minimum: numeric ? p.minimum : undefined, maximum: numeric ? p.maximum : undefined } as ParameterIR;
    (p.enum ?? []).forEach((v, i) => {
      const problem = parameterValueProblem(decl, v);
      if (problem) report(joinPath(at('enum'), i), `enum value ${JSON.stringify(v)} does not fit the parameter: ${problem}; fix or remove it`);
    });
    if (p.default !== undefined) {
      const problem = parameterValueProblem({ ...decl, enum: p.enum }, p.default);
      if (problem) {
        report(at('default'), `the default does not satisfy the parameter's own declaration: ${problem}; change the default or the declaration`);
      }
    }
  }
}

function buildQueues(spec: PipelineSpec, report: Report): Record<string, QueueIR> {
  const queues: Record<string, QueueIR> = { ...BUILTIN_QUEUES };
  for (const [name, q] of Object.entries(spec.queues ?? {})) {
    if (name in BUILTIN_QUEUES) {
      report(joinPath('queues', name), `queue "${name}" is built in and cannot be redeclared; remove it or choose another name`);
      continue;
    }
    queues[name] = { name, gpu: q.gpu ?? false };
  }
  for (const { name, clashesWith } of envSuffixClashes(Object.keys(queues))) {
    if (!(name in BUILTIN_QUEUES) && clashesWith in BUILTIN_QUEUES) {
      report(joinPath('queues', name), `queue "${name}" clashes with the built-in queue "${clashesWith}" (both ${envSuffix(name)}); rename it`);
    }
  }
  return queues;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function checkSteps(
  spec: PipelineSpec,
  raw: Record<string, unknown>,
  queues: Record<string, QueueIR>,
  dir: string,
  report: Report,
): void {
  const steps = spec.steps;
  const rawSteps = raw.steps as Record<string, Record<string, unknown> | undefined> | undefined;
  if (steps !== undefined && Object.keys(steps).length === 0 && (rawSteps === undefined || Object.keys(rawSteps).length === 0)) {
    report('steps', 'the pipeline has no steps; add at least one, e.g. steps: { train: { command: [node, train.mjs] } }');
  }
  if (!steps) return;
  const stepNames = Object.keys(steps);
  // A step present in the raw data but dropped for a bad name still "exists" for references, to avoid
  // reporting every reference to it a second time.
  const existing = new Set(Object.keys(rawSteps ?? {}));
  const declaredParams = rawKeys(raw.parameters);
  const paramsKnown = declaredParams !== undefined;

  const defaults = spec.defaults ?? {};
  checkVcpus(defaults.compute?.vcpus, 'defaults.compute.vcpus', report);
  const paramTypes = declaredParams === undefined
    ? undefined
    : Object.fromEntries(declaredParams.map((p) => [p, spec.parameters?.[p]?.type as string | undefined]));
  const foreachCtx = {
    steps: existing,
    outputsOf: (step: string): readonly string[] | undefined => {
      const up = steps[step];
      const rawUp = rawSteps?.[step];
      if (up === undefined || (up.outputs === undefined && rawUp?.outputs !== undefined)) return undefined;
      return [...(up.outputs ?? []), ...(up.foreach !== undefined || rawUp?.foreach !== undefined ? [ITEMS_OUTPUT] : [])];
    },
    paramTypes,
  };
  const defaultsQueue = defaults.compute?.queue;
  if (defaultsQueue !== undefined && !(defaultsQueue in queues)) {
    report('defaults.compute.queue', unknownQueue(defaultsQueue, queues));
  }

  // code: and path: stay inside the definition's folder, or the wider folder `root:` names.
  const root = resolve(dir, spec.root ?? '.');
  const rootOk = spec.root === undefined || (existsSync(root) && isDirectory(root));
  if (!rootOk) report('root', `root "${spec.root}" is not a directory (resolved to ${root}); name a folder that holds the definition's code and data`);
  const checkFiles = (path: string, what: string, abs: string): void => {
    if (rootOk && !isInside(abs, root)) {
      report(
        path,
        `${what} is outside ${spec.root === undefined ? "the definition's folder" : 'the folder root names'} (${root}), ` +
          'and everything code: and path: name is copied into the store (and to S3 on deploy); move it inside, or ' +
          'set a top-level "root:" (e.g. root: ..) to the folder that holds it (docs/spec.md)',
      );
      return;
    }
    for (const problem of treeProblems(abs)) report(path, `${what} ${problem}`);
  };
  if (defaults.code !== undefined) {
    checkCodeDir(defaults.code, 'defaults.code', dir, report);
    const abs = resolve(dir, defaults.code);
    if (existsSync(abs) && isDirectory(abs)) checkFiles('defaults.code', `code "${defaults.code}"`, abs);
  }

  for (const [name, s] of Object.entries(steps)) {
    const at = (...segs: Array<string | number>): string => segs.reduce<string>((p, seg) => joinPath(p, seg), joinPath('steps', name));
    const rawStep = rawSteps?.[name] ?? {};
    checkForeach(name, s, rawStep, foreachCtx, joinPath('steps', name), report);
    checkVcpus(s.compute?.vcpus, at('compute', 'vcpus'), report);
    if (s.when !== undefined && paramTypes !== undefined) {
      try {
        parseCondition(s.when, conditionScope(name, steps, rawSteps, paramTypes));
      } catch (err) {
        if (!(err instanceof ConditionProblem)) throw err;
        report(at('when'), `condition ${JSON.stringify(s.when)}: ${err.message}`);
      }
    }

    if (s.code !== undefined) {
      checkCodeDir(s.code, at('code'), dir, report);
      const abs = resolve(dir, s.code);
      if (existsSync(abs) && isDirectory(abs)) checkFiles(at('code'), `code "${s.code}"`, abs);
    }
    (s.command ?? []).forEach((arg, i) => {
      if (arg.includes('\0')) report(at('command', i), 'contains a NUL byte, which no command line can carry; remove it');
    });
    for (const [k, v] of Object.entries(s.env ?? {})) {
      if (v.includes('\0')) report(at('env', k), 'contains a NUL byte, which no environment variable can carry; remove it');
    }
    const envNames = new Set(Object.keys({ ...(defaults.env ?? {}), ...(s.env ?? {}) }));
    (s.passEnv ?? []).forEach((k, i) => {
      if (envNames.has(k)) report(at('passEnv', i), `"${k}" is also set under env; keep one of the two`);
    });
    for (const k of Object.keys(s.secrets ?? {})) {
      if (envNames.has(k) || (s.passEnv ?? []).includes(k)) {
        report(at('secrets', k), `secret "${k}" is also set under env or passEnv, where its value would enter the cache key and the logs; keep it under secrets only`);
      }
    }

    for (const [input, ref] of Object.entries(s.inputs ?? {})) {
      if (typeof ref === 'string') {
        const m = OUTPUT_REF_PATTERN.exec(ref);
        if (!m) continue;
        const [, upstream, output] = m;
        if (upstream === name) {
          report(at('inputs', input), `step "${name}" cannot take its own output "${output}" as an input (self-dependency); read the data within the step or split it into two steps`);
        } else if (!existing.has(upstream)) {
          report(
            at('inputs', input),
            `"${ref}" refers to an unknown step "${upstream}".${didYouMean(upstream, stepNames)} Steps: ${stepNames.join(', ')}; fix the reference ("<step>.<output>")`,
          );
        } else {
          const up = steps[upstream];
          const rawUp = rawSteps?.[upstream];
          const outputsValid = up !== undefined && (up.outputs !== undefined || rawUp?.outputs === undefined);
          const outs = [...(up?.outputs ?? []), ...(up?.foreach !== undefined ? [ITEMS_OUTPUT] : [])];
          if (outputsValid && !outs.includes(output)) {
            const list = outs.length > 0 ? `its outputs are: ${outs.join(', ')}` : 'it declares no outputs';
            report(
              at('inputs', input),
              `step "${upstream}" has no output "${output}" (${list}).${didYouMean(output, outs)} Fix the reference or add "${output}" to steps.${upstream}.outputs`,
            );
          }
        }
      } else if (ref.path !== undefined) {
        const abs = resolve(dir, ref.path);
        if (!existsSync(abs)) {
          report(at('inputs', input, 'path'), `path "${ref.path}" does not exist (resolved to ${abs}); create the file or directory, or fix the path (it is relative to the definition file)`);
        } else {
          checkFiles(at('inputs', input, 'path'), `path "${ref.path}"`, abs);
        }
      }
    }

    if (paramsKnown) {
      (s.params ?? []).forEach((p, i) => {
        if (!declaredParams!.includes(p)) {
          const list = declaredParams!.length > 0 ? `declared: ${declaredParams!.join(', ')}` : 'the pipeline declares no parameters';
          report(at('params', i), `unknown parameter "${p}" (${list}).${didYouMean(p, declaredParams!)} Declare it under "parameters" or fix the name`);
        }
      });
    }

    (s.after ?? []).forEach((a, i) => {
      if (a === name) report(at('after', i), `step "${name}" cannot run after itself (self-dependency); remove "${a}" from after`);
      else if (!existing.has(a)) {
        report(at('after', i), `unknown step "${a}".${didYouMean(a, stepNames)} Steps: ${stepNames.join(', ')}; fix the name or remove it`);
      }
    });

    const outs = s.outputs ?? [];
    for (const { name: o, clashesWith } of envSuffixClashes(outs)) {
      report(at('outputs', outs.indexOf(o)), `output names "${clashesWith}" and "${o}" both become the environment variable PW_OUTPUT_${envSuffix(o)}; rename one of them`);
    }

    const rawCompute = (rawStep.compute ?? {}) as Record<string, unknown>;
    const stepQueue = s.compute?.queue;
    if (stepQueue !== undefined && !(stepQueue in queues)) report(at('compute', 'queue'), unknownQueue(stepQueue, queues));
    const gpus = s.compute?.gpus ?? defaults.compute?.gpus ?? 0;
    const gpusInvalid = rawCompute.gpus !== undefined && s.compute?.gpus === undefined;
    const queue = stepQueue ?? defaultsQueue ?? (gpus > 0 ? 'gpu' : 'cpu');
    if (!gpusInvalid && gpus > 0 && queues[queue] && !queues[queue].gpu) {
      const gpusPath = s.compute?.gpus !== undefined ? at('compute', 'gpus') : 'defaults.compute.gpus';
      const queuePath = stepQueue !== undefined ? at('compute', 'queue') : 'defaults.compute.queue';
      report(
        gpusPath,
        `gpus: ${gpus} but queue "${queue}" (${queuePath}) has no GPUs; use queue "gpu" (or a queue declared with gpu: true), or set gpus: 0`,
      );
    } else if (!gpusInvalid && queues[queue] && parsed(rawCompute.vcpus, s.compute?.vcpus) && parsed(rawCompute.memory, s.compute?.memory)) {
      // The same rule synth applies (lib/spec/compute-size.ts), so validate never accepts a size AWS rejects.
      const problem = computeSizeProblem({
        vcpus: s.compute?.vcpus ?? defaults.compute?.vcpus ?? BUILTIN_DEFAULTS.vcpus,
        memory: s.compute?.memory ?? defaults.compute?.memory ?? BUILTIN_DEFAULTS.memory,
        gpus,
        gpuQueue: queues[queue].gpu,
      });
      if (problem) report(at('compute'), `${problem} (queue "${queue}" runs on ${queues[queue].gpu ? 'EC2' : 'Fargate'})`);
    }
  }
}

/** Finally-steps: distinct names, no data from other steps, none of the keys that only the DAG gives meaning. */
function checkFinally(spec: PipelineSpec, raw: Record<string, unknown>, dir: string, report: Report): void {
  const rawFinal = (raw.finally ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const declared = rawKeys(raw.parameters) ?? [];
  for (const [name, s] of Object.entries(spec.finally ?? {})) {
    const at = (...segs: Array<string | number>): string => segs.reduce<string>((p, seg) => joinPath(p, seg), joinPath('finally', name));
    if (spec.steps && name in spec.steps) {
      report(at(), `finally-step "${name}" has the name of a step under "steps"; rename one of them`);
    }
    for (const k of ['foreach', 'when', 'after', 'batch', 'tolerate', 'maxConcurrency'] as const) {
      if (rawFinal[name]?.[k] !== undefined) {
        report(at(k), `"${k}" does not apply to a finally-step (it runs once, after every other step, whatever happened); remove it`);
      }
    }
    for (const [input, ref] of Object.entries(s.inputs ?? {})) {
      if (typeof ref === 'string') {
        report(
          at('inputs', input),
          `a finally-step cannot take another step's output ("${ref}"): it also runs when that step did not; ` +
            'read the outcome from $PW_RUN_STATUS and $PW_FAILED_STEPS, or take a { path: } or { uri: } input',
        );
      } else if (ref.path !== undefined && !existsSync(resolve(dir, ref.path))) {
        report(at('inputs', input, 'path'), `path "${ref.path}" does not exist (resolved to ${resolve(dir, ref.path)}); create it or fix the path`);
      }
    }
    if (s.code !== undefined && !isDirectory(resolve(dir, s.code))) {
      report(at('code'), `code directory "${s.code}" does not exist or is not a directory (resolved to ${resolve(dir, s.code)}); fix the path`);
    }
    (s.params ?? []).forEach((p, i) => {
      if (!declared.includes(p)) report(at('params', i), `unknown parameter "${p}".${didYouMean(p, declared)} Declare it under "parameters" or fix the name`);
    });
  }
}

/** What a condition of step `self` may refer to. */
function conditionScope(
  self: string,
  steps: Record<string, StepSpec>,
  rawSteps: Record<string, Record<string, unknown> | undefined> | undefined,
  paramTypes: Record<string, string | undefined>,
) {
  return {
    self,
    params: paramTypes,
    steps: Object.keys(rawSteps ?? steps),
    metrics: (step: string): readonly string[] | undefined =>
      steps[step]?.metrics ?? (rawSteps?.[step]?.metrics !== undefined ? undefined : []),
  };
}

/** The steps a condition reads, or none when it does not parse (already reported). */
function whenSteps(spec: PipelineSpec, name: string): string[] {
  const s = spec.steps?.[name];
  if (s?.when === undefined) return [];
  try {
    const types = Object.fromEntries(Object.entries(spec.parameters ?? {}).map(([p, d]) => [p, d.type as string | undefined]));
    return conditionSteps(parseCondition(s.when, conditionScope(name, spec.steps!, undefined, types)));
  } catch {
    return [];
  }
}

/** Reports a vCPU count that is neither a positive whole number nor one of the fractional sizes. */
function checkVcpus(vcpus: number | undefined, path: string, report: Report): void {
  if (vcpus === undefined) return;
  if ((Number.isInteger(vcpus) && vcpus >= 1) || FRACTIONAL_VCPUS.includes(vcpus)) return;
  report(path, `expected a positive whole number of vCPUs or one of ${FRACTIONAL_VCPUS.join(', ')}; received ${vcpus}; write e.g. vcpus: 0.5 or vcpus: 2`);
}

/** Whether a raw field is absent or was parsed (an invalid value is reported once, where it is parsed). */
function parsed(raw: unknown, value: unknown): boolean {
  return raw === undefined || value !== undefined;
}

/** The keys of a raw mapping: [] when absent, undefined when it is not a mapping (already reported). */
function rawKeys(v: unknown): string[] | undefined {
  if (v === undefined) return [];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : undefined;
}

function unknownQueue(q: string, queues: Record<string, QueueIR>): string {
  const names = Object.keys(queues);
  return `unknown queue "${q}".${didYouMean(q, names)} Known queues: ${names.join(', ')}; use one of them or declare it under "queues", e.g. queues: { ${q}: { gpu: false } }`;
}

function checkCycles(spec: PipelineSpec, report: Report): void {
  const steps = spec.steps ?? {};
  // deps[s] maps each upstream step to the path of the first key that creates the dependency.
  const deps = new Map<string, Map<string, string>>();
  for (const [name, s] of Object.entries(steps)) {
    const d = new Map<string, string>();
    for (const [input, ref] of Object.entries(s.inputs ?? {})) {
      const m = typeof ref === 'string' ? OUTPUT_REF_PATTERN.exec(ref) : null;
      if (m && m[1] !== name && m[1] in steps && !d.has(m[1])) d.set(m[1], joinPath(joinPath(joinPath('steps', name), 'inputs'), input));
    }
    (s.after ?? []).forEach((a, i) => {
      if (a !== name && a in steps && !d.has(a)) d.set(a, joinPath(joinPath(joinPath('steps', name), 'after'), i));
    });
    const source = foreachUpstream(s.foreach);
    if (source !== undefined && source !== name && source in steps && !d.has(source)) d.set(source, joinPath(joinPath('steps', name), 'foreach'));
    for (const w of whenSteps(spec, name)) if (w !== name && w in steps && !d.has(w)) d.set(w, joinPath(joinPath('steps', name), 'when'));
    deps.set(name, d);
  }
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (n: string): void => {
    state.set(n, 'active');
    stack.push(n);
    for (const d of deps.get(n)!.keys()) {
      const st = state.get(d);
      if (st === 'active') {
        // stack[i..] = d needs ... needs n, and n needs d. In data-flow order: d → n → ... → d.
        const needs = stack.slice(stack.indexOf(d));
        const flow = [...needs].reverse();
        const start = flow.indexOf([...flow].sort()[0]);
        const cycle = [...flow.slice(start), ...flow.slice(0, start)];
        const first = cycle[0];
        const at = deps.get(first)!.get(cycle[cycle.length - 1])!;
        // One cycle per closing dependency: the others through it add noise, not information.
        if (!reported.has(at)) {
          reported.add(at);
          report(
            at,
            `dependency cycle: ${[...cycle, first].join(' → ')} (each step needs the one before it, so none can start); remove one of these dependencies`,
          );
        }
      } else if (st === undefined) {
        visit(d);
      }
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of deps.keys()) if (!state.has(n)) visit(n);
}

/** Checks every schedule and returns the normalized expression of each one whose expression is valid, by name. */
function checkSchedules(spec: PipelineSpec, raw: Record<string, unknown>, report: Report): Map<string, string> {
  const expressions = new Map<string, string>();
  const params = spec.parameters ?? {};
  const rawParams = rawKeys(raw.parameters);
  const paramsKnown = rawParams !== undefined;
  const rawSchedules = (raw.schedules ?? {}) as Record<string, Record<string, unknown> | undefined>;
  for (const [name, s] of Object.entries(spec.schedules ?? {})) {
    const base = joinPath('schedules', name);
    const rawSchedule = rawSchedules[name] ?? {};
    // Only judge the expression when every expression key given passed the structural check.
    const keysGiven = (['cron', 'rate', 'expression'] as const).filter((k) => rawSchedule[k] !== undefined);
    if (keysGiven.every((k) => s[k] !== undefined)) {
      const r = normalizeScheduleExpression(s);
      if ('problem' in r) report(r.key ? joinPath(base, r.key) : base, r.problem);
      else expressions.set(name, r.expression);
    }
    if (s.timezone !== undefined && !isKnownTimeZone(s.timezone)) {
      const guess = closest(s.timezone, knownTimeZones());
      report(
        joinPath(base, 'timezone'),
        `unknown time zone "${s.timezone}"; expected an IANA name such as "Europe/Berlin" or "UTC".${guess ? ` Did you mean "${guess}"?` : ''}`,
      );
    }
    if (!paramsKnown) continue;
    const given = s.parameters ?? {};
    const declared = rawParams!;
    for (const [p, v] of Object.entries(given)) {
      const at = joinPath(joinPath(base, 'parameters'), p);
      const decl = params[p];
      if (!rawParams!.includes(p)) {
        report(at, `unknown parameter "${p}".${didYouMean(p, declared)} Declared parameters: ${declared.join(', ') || '(none)'}; remove it or fix the name`);
      } else if (decl?.type !== undefined) {
        const problem = parameterValueProblem(decl as ParameterIR, v);
        if (problem) report(at, `${problem}; fix the value`);
      }
    }
    for (const [p, decl] of Object.entries(params)) {
      if (decl.default === undefined && !(p in given) && !(p in ((rawSchedule.parameters ?? {}) as object))) {
        report(
          rawSchedule.parameters !== undefined ? joinPath(base, 'parameters') : base,
          `parameter "${p}" is required (it has no default) but the schedule does not give it; add it, e.g. parameters: { ${p}: <value> }`,
        );
      }
    }
  }
  return expressions;
}

function buildIR(spec: PipelineSpec, queues: Record<string, QueueIR>, expressions: ReadonlyMap<string, string>, dir: string, source: string): PipelineIR {
  const defaults = spec.defaults ?? {};
  const parameters: Record<string, ParameterIR> = {};
  for (const [name, p] of Object.entries(spec.parameters ?? {})) {
    parameters[name] = omitUndefined({
      type: p.type!,
      default: p.default,
      enum: p.enum,
      minimum: p.minimum,
      maximum: p.maximum,
      description: p.description,
    }) as ParameterIR;
  }
  const steps: Record<string, StepIR> = {};
  const finals = new Set(Object.keys(spec.finally ?? {}));
  for (const [name, s] of [...Object.entries(spec.steps ?? {}), ...Object.entries(spec.finally ?? {})]) {
    const inputs: Record<string, InputIR> = {};
    for (const [input, ref] of Object.entries(s.inputs ?? {})) {
      if (typeof ref === 'string') {
        const [, step, output] = OUTPUT_REF_PATTERN.exec(ref)!;
        inputs[input] = { kind: 'step', step, output };
      } else if (ref.path !== undefined) {
        inputs[input] = { kind: 'path', path: resolve(dir, ref.path) };
      } else {
        inputs[input] = { kind: 'uri', uri: ref.uri!, ...parseS3Uri(ref.uri!)! };
      }
    }
    const gpus = s.compute?.gpus ?? defaults.compute?.gpus ?? BUILTIN_DEFAULTS.gpus;
    const env = { ...(defaults.env ?? {}), ...(s.env ?? {}) };
    steps[name] = omitUndefined({
      name,
      description: s.description,
      code: (s.code ?? defaults.code) !== undefined ? resolve(dir, (s.code ?? defaults.code)!) : undefined,
      command: s.command!,
      image: s.image ?? defaults.image ?? BUILTIN_DEFAULTS.image,
      env: Object.fromEntries(Object.keys(env).sort().map((k) => [k, env[k]])),
      passEnv: s.passEnv?.length ? [...s.passEnv].sort() : undefined,
      ...secretsIR(s.secrets),
      inputs,
      params: [...(s.params ?? [])].sort(),
      outputs: s.outputs ?? [],
      after: [...(s.after ?? [])].sort(),
      compute: {
        vcpus: s.compute?.vcpus ?? defaults.compute?.vcpus ?? BUILTIN_DEFAULTS.vcpus,
        memory: s.compute?.memory ?? defaults.compute?.memory ?? BUILTIN_DEFAULTS.memory,
        gpus,
        queue: s.compute?.queue ?? defaults.compute?.queue ?? (gpus > 0 ? 'gpu' : 'cpu'),
      },
      retries: s.retries ?? defaults.retries ?? BUILTIN_DEFAULTS.retries,
      timeoutSeconds: s.timeout ?? defaults.timeout ?? BUILTIN_DEFAULTS.timeoutSeconds,
      // A finally-step reports this run's outcome, so it is never reused.
      cache: finals.has(name) ? false : (s.cache ?? defaults.cache ?? BUILTIN_DEFAULTS.cache),
      cacheVersion: s.cacheVersion,
      final: finals.has(name) ? true : undefined,
      foreach: buildForeach(s),
      when: s.when !== undefined ? { text: s.when, condition: parseCondition(s.when, conditionScope(name, spec.steps!, undefined, paramTypesOf(spec))) } : undefined,
      metrics: s.metrics,
    }) as StepIR;
  }
  const schedules: Record<string, ScheduleIR> = {};
  for (const [name, s] of Object.entries(spec.schedules ?? {})) {
    // Every schedule has its expression here: an invalid one was reported, and reports stop before buildIR.
    schedules[name] = { name, expression: expressions.get(name)!, timezone: s.timezone ?? 'UTC', parameters: scheduleParameters(parameters, s.parameters ?? {}) };
  }
  return omitUndefined({
    version: 1,
    name: spec.name!,
    description: spec.description,
    parameters,
    steps,
    queues,
    schedules,
    source,
  }) as PipelineIR;
}

function paramTypesOf(spec: PipelineSpec): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(spec.parameters ?? {}).map(([p, d]) => [p, d.type as string | undefined]));
}

/** A schedule's values for every declared parameter, defaults filled in (checked by `checkSchedules`), in declaration order. */
function scheduleParameters(
  declared: Readonly<Record<string, ParameterIR>>,
  given: Readonly<Record<string, ParameterValue>>,
): Record<string, ParameterValue> {
  const out: Record<string, ParameterValue> = {};
  for (const [name, decl] of Object.entries(declared)) {
    const value = Object.hasOwn(given, name) ? given[name] : decl.default;
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function omitUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** A step's `secrets:` in the IR: the sources, and the KMS keys of those encrypted with a customer-managed key. */
function secretsIR(secrets: StepSpec['secrets']): { secrets?: Record<string, string>; secretKeys?: Record<string, string> } {
  const names = Object.keys(secrets ?? {}).sort();
  if (!secrets || names.length === 0) return {};
  const sourceOf = (v: string | { from: string }): string => (typeof v === 'string' ? v : v.from);
  const keyed = names.filter((k) => typeof secrets[k] === 'object' && (secrets[k] as { kmsKey?: string }).kmsKey !== undefined);
  return {
    secrets: Object.fromEntries(names.map((k) => [k, sourceOf(secrets[k])])),
    ...(keyed.length ? { secretKeys: Object.fromEntries(keyed.map((k) => [k, (secrets[k] as { kmsKey: string }).kmsKey])) } : {}),
  };
}
