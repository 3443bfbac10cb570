/**
 * The spec v1 field table: every key a YAML/JSON definition may hold, with its type and default.
 *
 * It drives the structural validation and the JSON Schema at `schema/pipeline.schema.json`.
 */
import type { Field } from './field-description';
import { MAX_FOREACH_ITEMS, S3_URI_PATTERN } from '../ir';
import { NAME_PATTERN, NAME_RULE } from './names';

/** The image a step runs in when neither the step nor `defaults` names one. */
export const DEFAULT_IMAGE = 'public.ecr.aws/docker/library/node:22-slim';

/** Built-in defaults applied when neither the step nor `defaults` sets a value. */
export const BUILTIN_DEFAULTS = {
  image: DEFAULT_IMAGE,
  vcpus: 1,
  memory: 2048,
  gpus: 0,
  retries: 0,
  timeoutSeconds: 3600,
  cache: true,
} as const;

/** The maximum `retries` (AWS Batch allows 10 attempts in all). */
export const MAX_RETRIES = 9;

export { MAX_FOREACH_ITEMS } from '../ir';

/** The fractional vCPU sizes a step may ask for (Fargate's smallest). */
export const FRACTIONAL_VCPUS: readonly number[] = [0.25, 0.5];

/** A reference to another step's output: `<step>.<output>`. */
export const OUTPUT_REF_PATTERN = /^([a-z][a-z0-9_-]{0,62})\.([a-z][a-z0-9_-]{0,62})$/;

/** A foreach item source: an upstream output, a list parameter or an S3 prefix. */
export const FOREACH_PATTERN = /^(([a-z][a-z0-9_-]{0,62})\.([a-z][a-z0-9_-]{0,62})|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?)$/;

/** A metric name a step declares (usable in a condition as `<step>.metrics.<name>`). */
export const METRIC_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;


const name = (what: string, doc: string): Field => ({
  kind: 'string',
  doc,
  pattern: NAME_PATTERN,
  expected: `${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} name (${NAME_RULE})`,
});

const env: Field = {
  kind: 'map',
  keys: 'env',
  what: 'environment variable',
  doc: 'Environment variables for the step (values are converted to strings).',
  values: { kind: 'text', doc: 'The variable value.' },
  example: 'env: { LOG_LEVEL: debug }',
};

/** Where a secret comes from in AWS: a Secrets Manager secret ARN, an SSM parameter ARN, or `ssm:<parameter name>`. */
export const SECRET_SOURCE_PATTERN =
  /^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9/_.-]+|ssm:\/?[A-Za-z0-9_.-][A-Za-z0-9/_.-]*)$/;

const passEnv: Field = {
  kind: 'list',
  items: { kind: 'string', pattern: /^(?!PW_)[A-Za-z_][A-Za-z0-9_]*$/, expected: 'an environment variable name not starting with PW_ (reserved)', doc: 'A variable of the environment Pipewright runs in.' },
  unique: true,
  doc: 'Variables passed through from the environment the definition is loaded in (pipewright run, or cdk synth for a deploy); their values enter the cache key like env.',
  example: 'passEnv: [SEED]',
};

/**
 * A KMS key ARN: `key/` and a key id (a UUID, or `mrk-` and 32 hex digits for a multi-Region key). Not an alias
 * ARN: IAM authorizes kms:Decrypt on the key itself.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN
 */
export const KMS_KEY_ARN_PATTERN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

const secretSource: Field = {
  kind: 'string',
  pattern: SECRET_SOURCE_PATTERN,
  expected: 'a Secrets Manager secret ARN, an SSM parameter ARN, or ssm:<parameter name>',
  doc: 'Where the value comes from in AWS.',
  example: 'API_TOKEN: "ssm:/ml/api-token"',
};

const secrets: Field = {
  kind: 'map',
  keys: 'env',
  what: 'secret',
  doc: 'Secrets the step gets as environment variables: locally from the variable of the same name in your environment, in AWS from Secrets Manager or SSM Parameter Store; never in the cache key, logs or run documents.',
  values: {
    kind: 'union',
    doc: 'Where the value comes from in AWS, and the customer-managed KMS key that encrypts it, if any.',
    expected:
      'a source ("ssm:/ml/token", a Secrets Manager secret ARN or an SSM parameter ARN), or { from: <source>, kmsKey: <KMS key ARN> } for a secret encrypted with your own KMS key',
    example: 'DB_PASSWORD: { from: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db", kmsKey: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }',
    pick: (v) => (typeof v === 'string' ? 0 : typeof v === 'object' && v !== null && !Array.isArray(v) ? 1 : undefined),
    variants: [
      secretSource,
      {
        kind: 'object',
        doc: 'A secret encrypted with a customer-managed KMS key: the job execution role may use that key to decrypt it (through Secrets Manager or SSM only).',
        required: ['from'],
        fields: {
          from: { ...secretSource, example: 'from: "ssm:/ml/db-password"' },
          kmsKey: {
            kind: 'string',
            pattern: KMS_KEY_ARN_PATTERN,
            expected: 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; an alias ARN cannot be granted kms:Decrypt: aws kms describe-key --key-id alias/<name> prints the key ARN)',
            doc: 'The ARN of the customer-managed KMS key that encrypts the secret or SecureString parameter.',
            example: 'kmsKey: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"',
          },
        },
      },
    ],
  },
  example: 'secrets: { API_TOKEN: "ssm:/ml/api-token" }',
};

const compute: Field = {
  kind: 'object',
  doc: 'Resources for one attempt of the step and the queue it runs on.',
  fields: {
    vcpus: {
      kind: 'number',
      doc: 'vCPUs: a whole number, or 0.25 or 0.5 so that small steps and foreach items share a CPU.',
      default: BUILTIN_DEFAULTS.vcpus,
      example: 'vcpus: 2',
    },
    memory: { kind: 'integer', minimum: 1, doc: 'Memory in MiB.', default: BUILTIN_DEFAULTS.memory, example: 'memory: 4096' },
    gpus: { kind: 'integer', minimum: 0, doc: 'GPUs; more than 0 selects the "gpu" queue unless a queue is named.', default: 0, example: 'gpus: 1' },
    queue: {
      ...name('queue', 'Name of the queue: "cpu", "gpu" or one declared under "queues".'),
      defaultDoc: '"gpu" when gpus > 0, else "cpu"',
      example: 'queue: cpu',
    },
  },
};

const retries: Field = {
  kind: 'integer',
  minimum: 0,
  maximum: MAX_RETRIES,
  doc: 'AWS Batch retries after the first attempt.',
  default: BUILTIN_DEFAULTS.retries,
  example: 'retries: 2',
};

const timeout: Field = {
  kind: 'duration',
  doc: 'Time limit of one attempt: whole seconds or a duration such as 90s, 30m, 1h, 1h30m, 2d (at least 60s).',
  default: '1h',
  example: 'timeout: 30m',
};

const image: Field = {
  kind: 'string',
  pattern: /^\S+$/,
  expected: 'a container image reference without spaces (e.g. "public.ecr.aws/docker/library/node:22-slim")',
  doc: 'Container image the step runs in on AWS Batch.',
  default: DEFAULT_IMAGE,
  example: `image: ${DEFAULT_IMAGE}`,
};

const cache: Field = {
  kind: 'boolean',
  doc: 'Whether the step may be reused from the store when its cache key matches.',
  default: true,
  example: 'cache: false',
};

const scalar: Field = { kind: 'scalar', doc: 'A parameter value: string, number or boolean.' };

/** A parameter value: a scalar, or a list of strings (for `list` parameters). */
const parameterValue: Field = {
  kind: 'union',
  doc: 'A parameter value: string, number, boolean, or a list of strings (list parameters).',
  expected: 'a string, number, boolean or a list of strings',
  pick: (v) => (Array.isArray(v) ? 1 : 0),
  variants: [scalar, { kind: 'list', items: { kind: 'string', doc: 'One item.' }, doc: 'A list of strings.' }],
};

const parameter: Field = {
  kind: 'object',
  doc: 'A pipeline parameter; one without a default is required at run time.',
  required: ['type'],
  fields: {
    type: {
      kind: 'string',
      values: ['string', 'number', 'integer', 'boolean', 'list'],
      doc: 'The value type.',
      example: 'type: number',
    },
    default: { ...parameterValue, doc: 'Value used when a run does not give one (none: the parameter is required).' },
    enum: {
      kind: 'list',
      items: scalar,
      minItems: 1,
      unique: true,
      doc: 'The only allowed values.',
      example: 'enum: [stratified, random]',
    },
    minimum: { kind: 'number', doc: 'Smallest allowed value (number and integer parameters).', example: 'minimum: 0' },
    maximum: { kind: 'number', doc: 'Largest allowed value (number and integer parameters).', example: 'maximum: 1' },
    description: { kind: 'string', doc: 'What the parameter means.' },
  },
  example: 'learning_rate: { type: number, default: 0.5 }',
};

const input: Field = {
  kind: 'union',
  doc: 'Where an input comes from: another step\'s output, a local file or directory, or an S3 URI.',
  expected:
    '"<step>.<output>" (e.g. "prepare.train"), { path: ./relative/file-or-dir } or { uri: s3://bucket/key }',
  example: 'train: prepare.train',
  pick: (v) => {
    if (typeof v === 'string') return 0;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      if ('path' in v) return 1;
      if ('uri' in v) return 2;
    }
    return undefined;
  },
  variants: [
    {
      kind: 'string',
      pattern: OUTPUT_REF_PATTERN,
      expected: 'a reference "<step>.<output>" (e.g. "prepare.train")',
      doc: 'An output of another step: "<step>.<output>".',
    },
    {
      kind: 'object',
      doc: 'A local file or directory, relative to the definition file.',
      required: ['path'],
      fields: { path: { kind: 'string', doc: 'Path relative to the definition file.', example: 'path: ./data/iris.csv' } },
    },
    {
      kind: 'object',
      doc: 'An S3 object or prefix.',
      required: ['uri'],
      fields: {
        uri: {
          kind: 'string',
          pattern: S3_URI_PATTERN,
          expected: 'an S3 URI "s3://<bucket>/<key>"',
          doc: 'An S3 URI: s3://bucket/key.',
          example: 'uri: s3://my-bucket/data/iris.csv',
        },
      },
    },
  ],
};

const step: Field = {
  kind: 'object',
  doc: 'One step: a command run in a container, with inputs, parameters and outputs.',
  required: ['command'],
  fields: {
    description: { kind: 'string', doc: 'What the step does.' },
    code: {
      kind: 'string',
      doc: 'Directory shipped to the step as its working directory, relative to the definition file (none: defaults.code, else an empty directory).',
      example: 'code: ./steps',
    },
    command: {
      kind: 'list',
      items: { kind: 'text', doc: 'One argument.' },
      minItems: 1,
      doc: 'The command (argv) the step runs.',
      example: 'command: [node, train.mjs]',
    },
    image,
    env,
    passEnv,
    secrets,
    inputs: {
      kind: 'map',
      keys: 'name',
      what: 'input',
      values: input,
      doc: 'Inputs by name.',
      example: 'inputs: { train: prepare.train }',
    },
    params: {
      kind: 'list',
      items: name('parameter', 'A declared parameter.'),
      unique: true,
      doc: 'Names of the pipeline parameters the step reads (only these enter its cache key).',
      example: 'params: [learning_rate]',
    },
    outputs: {
      kind: 'list',
      items: name('output', 'An output name.'),
      unique: true,
      doc: 'Names of the outputs the step writes.',
      example: 'outputs: [model]',
    },
    after: {
      kind: 'list',
      items: name('step', 'Another step.'),
      unique: true,
      doc: 'Steps this one runs after without taking data from them.',
      example: 'after: [prepare]',
    },
    compute,
    retries,
    timeout,
    cache,
    cacheVersion: {
      kind: 'text',
      doc: 'A salt: changing it forces a new cache key for the step.',
      example: 'cacheVersion: "2"',
    },
    foreach: {
      kind: 'string',
      pattern: FOREACH_PATTERN,
      expected: 'an item source: "<step>.<output>", "params.<list parameter>" or an S3 prefix "s3://bucket/prefix/"',
      doc: 'Runs the step once per item: of an upstream output (a JSON array, or a directory: one item per entry), of a list parameter, or of an S3 prefix.',
      example: 'foreach: split.parts',
    },
    batch: {
      kind: 'integer',
      minimum: 1,
      maximum: MAX_FOREACH_ITEMS,
      doc: 'Items per job (a mini-batch) for a foreach step; each item keeps its own cache key.',
      default: 1,
      example: 'batch: 10',
    },
    tolerate: {
      kind: 'union',
      doc: 'Failed items a foreach step accepts: a count or a percentage of its items.',
      expected: '{ count: <whole number >= 0> } or { percent: <0 to 100> }',
      example: 'tolerate: { percent: 5 }',
      pick: (v) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
        if ('count' in v) return 0;
        if ('percent' in v) return 1;
        return undefined;
      },
      variants: [
        {
          kind: 'object',
          doc: 'At most this many failed items.',
          required: ['count'],
          fields: { count: { kind: 'integer', minimum: 0, maximum: MAX_FOREACH_ITEMS, doc: 'Failed items accepted.', example: 'count: 3' } },
        },
        {
          kind: 'object',
          doc: 'At most this percentage of the items failed.',
          required: ['percent'],
          fields: { percent: { kind: 'number', doc: 'Percentage of failed items accepted (0 to 100).', example: 'percent: 5' } },
        },
      ],
    },
    when: {
      kind: 'string',
      doc: 'Runs the step only when this condition holds, e.g. "evaluate.metrics.accuracy >= params.min_accuracy"; otherwise it and the steps needing its outputs are skipped.',
      example: 'when: "evaluate.metrics.accuracy >= params.min_accuracy"',
    },
    metrics: {
      kind: 'list',
      items: {
        kind: 'string',
        pattern: METRIC_NAME_PATTERN,
        expected: 'a metric name (letters, digits, "_" or "-", not starting with a digit)',
        doc: 'A metric the step logs.',
      },
      unique: true,
      doc: 'Metric names the step logs to $PW_METRICS; a condition may read only declared ones.',
      example: 'metrics: [accuracy, loss]',
    },
    maxConcurrency: {
      kind: 'integer',
      minimum: 1,
      maximum: MAX_FOREACH_ITEMS,
      doc: 'Most jobs of a foreach step running at once.',
      defaultDoc: 'as many as resources allow',
      example: 'maxConcurrency: 8',
    },
  },
};

const schedule: Field = {
  kind: 'object',
  doc: 'An EventBridge Scheduler schedule that starts the pipeline: exactly one of cron, rate or expression.',
  fields: {
    cron: {
      kind: 'string',
      doc: 'A 6-field EventBridge cron (minutes hours day-of-month month day-of-week year), e.g. "0 3 * * ? *".',
      example: 'cron: "0 3 * * ? *"',
    },
    rate: { kind: 'string', doc: 'A rate such as "5 minutes", "1 hour" or "2 days".', example: 'rate: "1 day"' },
    expression: {
      kind: 'string',
      doc: 'A full expression: "cron(...)" or "rate(...)".',
      example: 'expression: "rate(1 day)"',
    },
    timezone: { kind: 'string', doc: 'IANA time zone the cron is read in.', default: 'UTC', example: 'timezone: Europe/Berlin' },
    parameters: {
      kind: 'map',
      keys: 'name',
      what: 'parameter',
      values: parameterValue,
      doc: 'Parameter values for the runs it starts.',
      example: 'parameters: { epochs: 500 }',
    },
    description: { kind: 'string', doc: 'What the schedule is for.' },
  },
};

/** The whole spec v1 document. */
export const PIPELINE_FIELD: Field = {
  kind: 'object',
  doc: 'A Pipewright pipeline definition (spec v1).',
  required: ['name', 'steps'],
  fields: {
    $schema: { kind: 'string', doc: 'JSON Schema reference for editors (ignored).' },
    version: { kind: 'literal', value: 1, doc: 'Spec version.', default: 1, example: 'version: 1' },
    name: { ...name('pipeline', 'The pipeline name.'), example: 'name: iris' },
    description: { kind: 'string', doc: 'What the pipeline does.' },
    root: {
      kind: 'string',
      doc: "The folder every code: and path: entry must stay inside, relative to the definition file (everything they name is copied into the store, and to S3 on deploy).",
      defaultDoc: "the definition file's folder",
      example: 'root: ..',
    },
    parameters: {
      kind: 'map',
      keys: 'name',
      what: 'parameter',
      values: parameter,
      doc: 'Run-time parameters by name.',
      example: 'parameters: { epochs: { type: integer, default: 300 } }',
    },
    defaults: {
      kind: 'object',
      doc: 'Settings every step inherits unless it sets its own.',
      fields: {
        code: {
          kind: 'string',
          doc: 'Directory shipped to every step that sets no "code" of its own, relative to the definition file.',
          example: 'code: ./src',
        },
        image,
        compute,
        retries,
        timeout,
        env,
        cache,
      },
    },
    queues: {
      kind: 'map',
      keys: 'name',
      what: 'queue',
      doc: 'Extra named queues ("cpu" and "gpu" always exist).',
      example: 'queues: { bigmem: { gpu: false } }',
      values: {
        kind: 'object',
        doc: 'A job queue the deployment creates.',
        fields: { gpu: { kind: 'boolean', doc: 'Whether the queue\'s compute environment has GPUs.', default: false, example: 'gpu: true' } },
      },
    },
    steps: {
      kind: 'map',
      keys: 'name',
      what: 'step',
      values: step,
      doc: 'The steps by name.',
      example: 'steps: { train: { command: [node, train.mjs] } }',
    },
    finally: {
      kind: 'map',
      keys: 'name',
      what: 'step',
      values: step,
      doc: 'Steps run once after the others, whether the run succeeded, failed or was cancelled ($PW_RUN_STATUS, $PW_FAILED_STEPS); they never change the run\'s status.',
      example: 'finally: { notify: { command: [sh, -c, \'echo "$PW_RUN_STATUS"\'] } }',
    },
    schedules: {
      kind: 'map',
      keys: 'name',
      what: 'schedule',
      values: schedule,
      doc: 'Schedules that start the pipeline.',
      example: 'schedules: { nightly: { cron: "0 3 * * ? *" } }',
    },
  },
};
