/**
 * Table-driven validation tests: each bad definition must be reported at the offending path and line.
 *
 * In each YAML text the line the problem must be reported at is marked with `# <-`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../lib/errors';
import { makeWorkspace, problemsOf } from './support';

interface BadCase {
  readonly name: string;
  readonly text: string;
  /** The dotted path the problem must name ('' for the whole file). */
  readonly path: string;
  readonly message: RegExp;
  /** File name (its extension picks the format). @default 'pipeline.yaml' */
  readonly file?: string;
}

/** Removes the common indentation of a template literal and its first newline. */
function y(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const indent = Math.min(...text.split('\n').filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return text
    .split('\n')
    .map((l) => l.slice(indent))
    .join('\n');
}

/** A one-step pipeline with `step` (YAML lines, indented under the step) as the step body. */
const oneStep = (step: string, extra = ''): string =>
  `name: demo\nparameters:\n  lr: { type: number, default: 0.5, minimum: 0 }\n${extra}steps:\n  a:\n${step
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;

const CASES: readonly BadCase[] = [
  // Syntax
  { name: 'YAML syntax error', text: 'name: demo\nsteps:\n  a: [node, x\n  b: 1 # <-\n', path: '', message: /YAML syntax error/ },
  { name: 'duplicate YAML key', text: 'name: demo\nname: other # <-\nsteps: {}\n', path: 'name', message: /the key "name" appears more than once in this mapping; keep one/ },
  { name: 'JSON syntax error (trailing comma)', file: 'pipeline.json', text: '{"name": "demo",\n "steps": {"a": {"command": ["x"]}},\n}\n', path: '', message: /JSON syntax error/ },
  { name: 'empty file', text: '# nothing here\n', path: '', message: /the definition is empty/ },
  { name: 'top level is a list', text: '- name: demo # <-\n', path: '', message: /expected a mapping; received a list/ },
  // Keys
  { name: 'unknown top-level key', text: 'name: demo\nstepz: # <-\n  a: { command: [x] }\n', path: 'stepz', message: /unknown key "stepz"\. Did you mean "steps"\?/ },
  { name: 'unknown step key', text: oneStep('comand: [node, a.mjs] # <-'), path: 'steps.a.comand', message: /unknown key "comand"\. Did you mean "command"\?/ },
  { name: 'unknown defaults key', text: 'name: demo\ndefaults:\n  retry: 2 # <-\nsteps:\n  a: { command: [x] }\n', path: 'defaults.retry', message: /Did you mean "retries"\?/ },
  { name: 'unknown compute key', text: oneStep('command: [x]\ncompute: { cpus: 2 } # <-'), path: 'steps.a.compute.cpus', message: /Did you mean "vcpus"\?/ },
  { name: 'wrong spec version', text: 'version: 2 # <-\nname: demo\nsteps:\n  a: { command: [x] }\n', path: 'version', message: /expected 1; received the number 2/ },
  // Secrets encrypted with a customer-managed KMS key
  {
    name: 'secret kmsKey is an alias ARN',
    text: oneStep('command: [x]\nsecrets:\n  DB: { from: "ssm:/db", kmsKey: "arn:aws:kms:eu-west-1:123456789012:alias/db" } # <-'),
    path: 'steps.a.secrets.DB.kmsKey',
    message: /expected a KMS key ARN .*an alias ARN cannot be granted kms:Decrypt.*received the string "arn:aws:kms:eu-west-1:123456789012:alias\/db"/,
  },
  {
    name: 'secret kmsKey is not an ARN',
    text: oneStep('command: [x]\nsecrets:\n  DB: { from: "ssm:/db", kmsKey: 1234abcd-12ab-34cd-56ef-1234567890ab } # <-'),
    path: 'steps.a.secrets.DB.kmsKey',
    message: /expected a KMS key ARN/,
  },
  {
    name: 'secret with a kmsKey but no source',
    text: oneStep('command: [x]\nsecrets:\n  DB: { kmsKey: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } # <-'),
    path: 'steps.a.secrets.DB.from',
    message: /missing required key "from"/,
  },
  {
    name: 'secret object with an unknown key',
    text: oneStep('command: [x]\nsecrets:\n  DB: { from: "ssm:/db", key: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" } # <-'),
    path: 'steps.a.secrets.DB.key',
    message: /unknown key "key"/,
  },
  // Names
  { name: 'bad pipeline name', text: 'name: Iris # <-\nsteps:\n  a: { command: [x] }\n', path: 'name', message: /pipeline name .*lower-case letter.*received the string "Iris"/ },
  { name: 'missing pipeline name', text: 'steps: # <-\n  a: { command: [x] }\n', path: 'name', message: /missing required key "name"/ },
  { name: 'bad step name', text: 'name: demo\nsteps:\n  Train: { command: [x] } # <-\n', path: 'steps.Train', message: /invalid step name "Train".*rename it, e.g. to "train"/ },
  { name: 'step name too long', text: `name: demo\nsteps:\n  ${'a'.repeat(64)}: { command: [x] } # <-\n`, path: `steps.${'a'.repeat(64)}`, message: /invalid step name .*at most 62/ },
  { name: 'step name with a dot', text: 'name: demo\nsteps:\n  "pre.p": { command: [x] } # <-\n', path: 'steps.pre.p', message: /invalid step name "pre\.p"/ },
  { name: 'bad output name', text: oneStep('command: [x]\noutputs: [Model] # <-'), path: 'steps.a.outputs[0]', message: /output name .*received the string "Model"/ },
  { name: 'bad input name', text: oneStep('command: [x]\ninputs:\n  Raw: { path: ./data.csv } # <-'), path: 'steps.a.inputs.Raw', message: /invalid input name "Raw"/ },
  { name: 'bad parameter name', text: 'name: demo\nparameters:\n  learningRate: { type: number } # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.learningRate', message: /invalid parameter name "learningRate".*"learningrate"/ },
  { name: 'bad schedule name', text: 'name: demo\nsteps:\n  a: { command: [x] }\nschedules:\n  Nightly: { rate: 1 day } # <-\n', path: 'schedules.Nightly', message: /invalid schedule name/ },
  { name: 'step names with the same env suffix', text: 'name: demo\nsteps:\n  a-b: { command: [x] }\n  a_b: { command: [x] } # <-\n', path: 'steps.a_b', message: /"a-b" and "a_b" both become the environment-variable suffix A_B/ },
  { name: 'output names with the same env suffix', text: oneStep('command: [x]\noutputs:\n  - x-y\n  - x_y # <-'), path: 'steps.a.outputs[1]', message: /PW_OUTPUT_X_Y/ },
  // References and the graph
  { name: 'duplicate output names', text: oneStep('command: [x]\noutputs:\n  - model\n  - model # <-'), path: 'steps.a.outputs[1]', message: /duplicate "model" \(already at steps\.a\.outputs\[0\]\)/ },
  {
    name: 'cycle',
    text: y`
      name: demo
      steps:
        a:
          command: [x]
          inputs: { in: c.out } # <-
          outputs: [out]
        b:
          command: [x]
          inputs: { in: a.out }
          outputs: [out]
        c:
          command: [x]
          after: [b]
          outputs: [out]
    `,
    path: 'steps.a.inputs.in',
    message: /dependency cycle: a → b → c → a /,
  },
  { name: 'self-dependency via an input', text: oneStep('command: [x]\noutputs: [out]\ninputs: { in: a.out } # <-'), path: 'steps.a.inputs.in', message: /cannot take its own output "out".*self-dependency/ },
  { name: 'self-dependency via after', text: oneStep('command: [x]\nafter: [a] # <-'), path: 'steps.a.after[0]', message: /cannot run after itself/ },
  {
    name: 'unknown step in a reference',
    text: y`
      name: demo
      steps:
        prep: { command: [x], outputs: [train] }
        b:
          command: [x]
          inputs: { in: prap.train } # <-
    `,
    path: 'steps.b.inputs.in',
    message: /unknown step "prap"\. Did you mean "prep"\?/,
  },
  {
    name: 'unknown output in a reference',
    text: y`
      name: demo
      steps:
        prep: { command: [x], outputs: [train, test] }
        b:
          command: [x]
          inputs: { in: prep.tran } # <-
    `,
    path: 'steps.b.inputs.in',
    message: /step "prep" has no output "tran" \(its outputs are: train, test\)\. Did you mean "train"\?/,
  },
  { name: 'reference without an output', text: oneStep('command: [x]\ninputs: { in: prep } # <-'), path: 'steps.a.inputs.in', message: /"<step>\.<output>".*received the string "prep"/ },
  { name: 'input with neither path nor uri', text: oneStep('command: [x]\ninputs: { in: { file: ./data.csv } } # <-'), path: 'steps.a.inputs.in', message: /\{ path: .* \{ uri: s3:\/\/bucket\/key \}; received a mapping/ },
  { name: 'uri that is not S3', text: oneStep('command: [x]\ninputs: { in: { uri: "http://x/y" } } # <-'), path: 'steps.a.inputs.in.uri', message: /S3 URI/ },
  { name: 'path input that does not exist', text: oneStep('command: [x]\ninputs: { in: { path: ./nope.csv } } # <-'), path: 'steps.a.inputs.in.path', message: /path "\.\/nope\.csv" does not exist \(resolved to .*nope\.csv\)/ },
  { name: 'code directory that does not exist', text: oneStep('command: [x]\ncode: ./src # <-'), path: 'steps.a.code', message: /code directory "\.\/src" does not exist/ },
  { name: 'code that is a file', text: oneStep('command: [x]\ncode: ./data.csv # <-'), path: 'steps.a.code', message: /is a file, not a directory/ },
  { name: 'unknown parameter in params', text: oneStep('command: [x]\nparams: [lrate] # <-'), path: 'steps.a.params[0]', message: /unknown parameter "lrate" \(declared: lr\)/ },
  { name: 'unknown step in after', text: oneStep('command: [x]\nafter: [zzz] # <-'), path: 'steps.a.after[0]', message: /unknown step "zzz"/ },
  { name: 'duplicate after', text: 'name: demo\nsteps:\n  b: { command: [x] }\n  a:\n    command: [x]\n    after:\n      - b\n      - b # <-\n', path: 'steps.a.after[1]', message: /duplicate "b"/ },
  // Steps
  { name: 'no steps', text: 'name: demo\nsteps: {} # <-\n', path: 'steps', message: /has no steps; add at least one/ },
  { name: 'missing steps', text: 'name: demo # <-\n', path: 'steps', message: /missing required key "steps"/ },
  { name: 'step without a command', text: 'name: demo\nsteps:\n  a: # <-\n    outputs: [x]\n', path: 'steps.a.command', message: /missing required key "command".*add e\.g\. command: \[node, train\.mjs\]/ },
  { name: 'empty command', text: oneStep('command: [] # <-'), path: 'steps.a.command', message: /not empty.*received an empty list/ },
  { name: 'command as one string', text: oneStep('command: node a.mjs # <-'), path: 'steps.a.command', message: /expected a list.*received the string "node a\.mjs".*command: \[node, train\.mjs\]/ },
  { name: 'image with spaces', text: oneStep('command: [x]\nimage: "node 22" # <-'), path: 'steps.a.image', message: /container image reference without spaces/ },
  { name: 'bad env name', text: oneStep('command: [x]\nenv:\n  1FOO: x # <-'), path: 'steps.a.env.1FOO', message: /invalid environment variable name "1FOO"/ },
  { name: 'reserved env prefix', text: oneStep('command: [x]\nenv:\n  PW_INPUT_X: x # <-'), path: 'steps.a.env.PW_INPUT_X', message: /prefix PW_, which Pipewright reserves/ },
  { name: 'cache not a boolean', text: oneStep('command: [x]\ncache: "no" # <-'), path: 'steps.a.cache', message: /expected true or false; received the string "no"/ },
  { name: 'cacheVersion as a list', text: oneStep('command: [x]\ncacheVersion: [1] # <-'), path: 'steps.a.cacheVersion', message: /expected a string; received a list/ },
  // Compute and queues
  { name: 'zero vcpus', text: oneStep('command: [x]\ncompute: { vcpus: 0 } # <-'), path: 'steps.a.compute.vcpus', message: /expected a positive whole number of vCPUs or one of 0\.25, 0\.5; received 0;/ },
  { name: 'fractional vcpus', text: oneStep('command: [x]\ncompute:\n  vcpus: 1.5 # <-'), path: 'steps.a.compute.vcpus', message: /positive whole number of vCPUs or one of 0\.25, 0\.5; received 1\.5/ },
  { name: 'negative memory', text: oneStep('command: [x]\ncompute:\n  memory: -1 # <-'), path: 'steps.a.compute.memory', message: /positive whole number; received the number -1/ },
  { name: 'memory as a string', text: oneStep('command: [x]\ncompute:\n  memory: 4GB # <-'), path: 'steps.a.compute.memory', message: /received the string "4GB".*memory: 4096/ },
  { name: 'fractional gpus', text: oneStep('command: [x]\ncompute:\n  gpus: 0.5 # <-'), path: 'steps.a.compute.gpus', message: /whole number >= 0; received the number 0\.5/ },
  { name: 'defaults with zero memory', text: 'name: demo\ndefaults:\n  compute: { memory: 0 } # <-\nsteps:\n  a: { command: [x] }\n', path: 'defaults.compute.memory', message: /positive whole number/ },
  { name: 'gpus on the cpu queue', text: oneStep('command: [x]\ncompute:\n  queue: cpu\n  gpus: 1 # <-'), path: 'steps.a.compute.gpus', message: /gpus: 1 but queue "cpu" \(steps\.a\.compute\.queue\) has no GPUs/ },
  { name: 'gpus on a declared CPU queue', text: oneStep('command: [x]\ncompute: { gpus: 2, queue: bigmem } # <-', 'queues:\n  bigmem: { gpu: false }\n'), path: 'steps.a.compute.gpus', message: /queue "bigmem" .* has no GPUs/ },
  { name: 'unknown queue', text: oneStep('command: [x]\ncompute:\n  queue: bigmen # <-', 'queues:\n  bigmem: { gpu: false }\n'), path: 'steps.a.compute.queue', message: /unknown queue "bigmen"\. Did you mean "bigmem"\?/ },
  { name: 'unknown default queue', text: 'name: demo\ndefaults:\n  compute: { queue: fast } # <-\nsteps:\n  a: { command: [x] }\n', path: 'defaults.compute.queue', message: /unknown queue "fast".*declare it under "queues"/ },
  { name: 'redeclared built-in queue', text: 'name: demo\nqueues:\n  gpu: { gpu: false } # <-\nsteps:\n  a: { command: [x] }\n', path: 'queues.gpu', message: /built in and cannot be redeclared/ },
  // Retries and timeouts
  { name: 'retries above 9', text: oneStep('command: [x]\nretries: 10 # <-'), path: 'steps.a.retries', message: /from 0 to 9; received the number 10/ },
  { name: 'negative retries', text: 'name: demo\ndefaults:\n  retries: -1 # <-\nsteps:\n  a: { command: [x] }\n', path: 'defaults.retries', message: /from 0 to 9/ },
  { name: 'bad timeout syntax', text: oneStep('command: [x]\ntimeout: 90x # <-'), path: 'steps.a.timeout', message: /"1h30m".*received the string "90x"/ },
  { name: 'timeout below 60 seconds', text: oneStep('command: [x]\ntimeout: 30s # <-'), path: 'steps.a.timeout', message: /is 30s; AWS Batch needs at least 60s/ },
  { name: 'timeout in the wrong unit order', text: oneStep('command: [x]\ntimeout: 30m1h # <-'), path: 'steps.a.timeout', message: /units d, h, m, s in that order/ },
  // Parameters
  { name: 'parameter without a type', text: 'name: demo\nparameters:\n  lr: { default: 0.5 } # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.lr.type', message: /missing required key "type"/ },
  { name: 'unknown parameter type', text: 'name: demo\nparameters:\n  lr: { type: float } # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.lr.type', message: /expected one of string, number, integer, boolean, list; received the string "float"/ },
  { name: 'default of the wrong type', text: 'name: demo\nparameters:\n  epochs:\n    type: integer\n    default: 0.5 # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.epochs.default', message: /own declaration: expected a whole number .*received the number 0\.5/ },
  { name: 'default outside the enum', text: 'name: demo\nparameters:\n  split:\n    type: string\n    enum: [a, b]\n    default: c # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.split.default', message: /expected one of "a", "b"; received "c"/ },
  { name: 'default below the minimum', text: 'name: demo\nparameters:\n  lr:\n    type: number\n    minimum: 0\n    default: -1 # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.lr.default', message: /expected a value >= 0 .*received -1/ },
  { name: 'minimum above maximum', text: 'name: demo\nparameters:\n  lr:\n    type: number\n    minimum: 5 # <-\n    maximum: 1\nsteps:\n  a: { command: [x] }\n', path: 'parameters.lr.minimum', message: /minimum 5 is greater than maximum 1/ },
  { name: 'minimum on a string parameter', text: 'name: demo\nparameters:\n  s:\n    type: string\n    minimum: 1 # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.s.minimum', message: /applies only to number and integer parameters/ },
  { name: 'enum value of the wrong type', text: 'name: demo\nparameters:\n  n:\n    type: integer\n    enum:\n      - 1\n      - two # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.n.enum[1]', message: /enum value "two" does not fit/ },
  // Schedules
  { name: 'cron with 5 fields', text: oneStep('command: [x]', 'schedules:\n  nightly:\n    cron: "0 3 * * *" # <-\n'), path: 'schedules.nightly.cron', message: /has 5 field\(s\); expected 6 fields/ },
  { name: 'cron without "?"', text: oneStep('command: [x]', 'schedules:\n  nightly:\n    cron: "0 3 * * * *" # <-\n'), path: 'schedules.nightly.cron', message: /exactly one of day-of-month .* must be "\?"/ },
  { name: 'cron minute out of range', text: oneStep('command: [x]', 'schedules:\n  nightly:\n    cron: "61 3 * * ? *" # <-\n'), path: 'schedules.nightly.cron', message: /"61" is not valid in the minutes field/ },
  { name: 'cron in the wrong key', text: oneStep('command: [x]', 'schedules:\n  nightly:\n    rate: "cron(0 3 * * ? *)" # <-\n'), path: 'schedules.nightly.rate', message: /holds a cron\(\.\.\.\) expression/ },
  { name: 'rate with a singular unit', text: oneStep('command: [x]', 'schedules:\n  often:\n    rate: 5 minute # <-\n'), path: 'schedules.often.rate', message: /use the plural unit.*"5 minutes"/ },
  { name: 'rate in words', text: oneStep('command: [x]', 'schedules:\n  often:\n    expression: rate(every day) # <-\n'), path: 'schedules.often.expression', message: /rate "every day" is not valid/ },
  { name: 'both cron and rate', text: oneStep('command: [x]', 'schedules:\n  s:\n    cron: "0 3 * * ? *"\n    rate: 1 day # <-\n'), path: 'schedules.s.rate', message: /exactly one of "cron", "rate" or "expression"; received "cron" and "rate"/ },
  { name: 'neither cron nor rate', text: oneStep('command: [x]', 'schedules:\n  s: # <-\n    timezone: UTC\n'), path: 'schedules.s', message: /needs exactly one of "cron"/ },
  { name: 'unknown time zone', text: oneStep('command: [x]', 'schedules:\n  s:\n    rate: 1 day\n    timezone: Europe/Berln # <-\n'), path: 'schedules.s.timezone', message: /unknown time zone "Europe\/Berln".*Did you mean "Europe\/Berlin"\?/ },
  { name: 'schedule with an unknown parameter', text: oneStep('command: [x]', 'schedules:\n  s:\n    rate: 1 day\n    parameters:\n      lrr: 1 # <-\n'), path: 'schedules.s.parameters.lrr', message: /unknown parameter "lrr"\. Did you mean "lr"\?/ },
  { name: 'schedule parameter of the wrong type', text: oneStep('command: [x]', 'schedules:\n  s:\n    rate: 1 day\n    parameters:\n      lr: fast # <-\n'), path: 'schedules.s.parameters.lr', message: /expected a number \(type number\); received the string "fast"/ },
  { name: 'schedule parameter out of range', text: oneStep('command: [x]', 'schedules:\n  s:\n    rate: 1 day\n    parameters:\n      lr: -2 # <-\n'), path: 'schedules.s.parameters.lr', message: /expected a value >= 0/ },
  // Foreach (issue 11)
  { name: 'foreach over an unknown step', text: oneStep('command: [x]\nforeach: splt.parts # <-'), path: 'steps.a.foreach', message: /unknown step "splt"/ },
  { name: 'foreach over an output the step lacks', text: 'name: demo\nsteps:\n  s: { command: [x], outputs: [parts] }\n  a:\n    command: [x]\n    foreach: s.prts # <-\n', path: 'steps.a.foreach', message: /step "s" has no output "prts".*Did you mean "parts"\?/ },
  { name: 'foreach over a parameter that is not a list', text: oneStep('command: [x]\nforeach: params.lr # <-'), path: 'steps.a.foreach', message: /parameter "lr" has type number, but foreach needs a list; declare it with type: list/ },
  { name: 'foreach over an unknown parameter', text: oneStep('command: [x]\nforeach: params.genres # <-'), path: 'steps.a.foreach', message: /unknown parameter "genres".*declare it, e.g. parameters: \{ genres: \{ type: list/ },
  { name: 'foreach over its own output', text: oneStep('command: [x]\noutputs: [o]\nforeach: a.o # <-'), path: 'steps.a.foreach', message: /cannot iterate over its own output/ },
  { name: 'foreach that is not a source', text: oneStep('command: [x]\nforeach: [1, 2] # <-'), path: 'steps.a.foreach', message: /expected an item source: "<step>\.<output>", "params\.<list parameter>" or an S3 prefix/ },
  { name: 'batch without foreach', text: oneStep('command: [x]\nbatch: 10 # <-'), path: 'steps.a.batch', message: /"batch" applies only to a foreach step; add e\.g\. foreach:/ },
  { name: 'tolerate without foreach', text: oneStep('command: [x]\ntolerate: { count: 1 } # <-'), path: 'steps.a.tolerate', message: /applies only to a foreach step/ },
  { name: 'tolerate percent out of range', text: 'name: demo\nparameters:\n  xs: { type: list, default: [a] }\nsteps:\n  a:\n    command: [x]\n    foreach: params.xs\n    tolerate: { percent: 150 } # <-\n', path: 'steps.a.tolerate.percent', message: /percentage from 0 to 100; received 150/ },
  { name: 'tolerate with neither count nor percent', text: 'name: demo\nparameters:\n  xs: { type: list, default: [a] }\nsteps:\n  a:\n    command: [x]\n    foreach: params.xs\n    tolerate: { some: 1 } # <-\n', path: 'steps.a.tolerate', message: /\{ count: <whole number >= 0> \} or \{ percent: <0 to 100> \}/ },
  { name: 'batch above the item maximum', text: 'name: demo\nparameters:\n  xs: { type: list, default: [a] }\nsteps:\n  a:\n    command: [x]\n    foreach: params.xs\n    batch: 20000 # <-\n', path: 'steps.a.batch', message: /whole number from 1 to 10000/ },
  { name: 'foreach output named items', text: 'name: demo\nparameters:\n  xs: { type: list, default: [a] }\nsteps:\n  a:\n    command: [x]\n    foreach: params.xs\n    outputs:\n      - items # <-\n', path: 'steps.a.outputs[0]', message: /output "items" is reserved on a foreach step/ },
  { name: 'list parameter default that is not a list of strings', text: 'name: demo\nparameters:\n  xs:\n    type: list\n    default: 3 # <-\nsteps:\n  a: { command: [x] }\n', path: 'parameters.xs.default', message: /expected a list of strings \(type list\); received the number 3/ },
  { name: 'quarter-and-a-bit vcpus', text: oneStep('command: [x]\ncompute:\n  vcpus: 0.3 # <-'), path: 'steps.a.compute.vcpus', message: /one of 0\.25, 0\.5; received 0\.3/ },
  { name: 'schedule missing a required parameter', text: 'name: demo\nparameters:\n  seed: { type: integer }\nsteps:\n  a: { command: [x] }\nschedules:\n  s: # <-\n    rate: 1 day\n', path: 'schedules.s', message: /parameter "seed" is required \(it has no default\) but the schedule does not give it/ },
];

describe('bad definitions', () => {
  let dir: string;
  beforeAll(() => {
    dir = makeWorkspace();
  });

  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('$name', (c) => {
    // GIVEN a definition with one mistake
    const file = c.file ?? 'pipeline.yaml';
    // WHEN it is parsed
    const problems = problemsOf(dir, c.text, file);
    // THEN a problem names the offending path and says what is wrong
    const hit = problems.find((p) => p.path === c.path && c.message.test(p.message));
    expect(hit, `problems were:\n${problems.map(formatProblem).join('\n')}`).toBeDefined();
    expect(hit!.file).toBe(file);
    // AND (for YAML) the line of the marked line
    const marker = c.text.split('\n').findIndex((l) => l.includes('# <-'));
    if (marker >= 0) expect(hit!.line).toBe(marker + 1);
    if (hit!.line !== undefined) expect(formatProblem(hit!)).toMatch(new RegExp(`^${file}:${hit!.line}: `));
  });
});
