/**
 * The run protocol's shapes: checked decoders, the store key layout and the short-key mapping.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/errors';
import {
  decodeJobSpec,
  decodeLookupRequest,
  decodeManifest,
  executionInput,
  failedStepOf,
  lookupRequest,
  parametersOfInput,
  recordKey,
  runDocumentKey,
  runIdOfDocumentKey,
  runKey,
  stepFailedCause,
  type JobSpec,
  type PipelineManifest,
} from '../../lib/protocol';
import { hashBytes } from '../../lib/store';

const H = hashBytes('x');
const bytes = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

const manifest: PipelineManifest = {
  v: 1,
  pipeline: 'demo',
  parameters: { k: { type: 'integer', default: 1 } },
  steps: {
    a: {
      name: 'a',
      code: `tree:${H}`,
      command: ['sh', '-c', 'true'],
      image: 'node:22',
      env: { A: '1' },
      inputs: { d: { kind: 'artifact', ref: H }, u: { kind: 'uri', uri: 's3://b/k' }, s: { kind: 'step', step: 'b', output: 'o' } },
      params: ['k'],
      outputs: ['o'],
      compute: { vcpus: 1, memory: 512, gpus: 0, queue: 'cpu' },
      retries: 0,
      timeoutSeconds: 60,
      cache: true,
      cacheVersion: null,
    },
  },
};

describe('decodeManifest', () => {
  it('returns a well-formed manifest as it is', () => {
    expect(decodeManifest(bytes(manifest), H)).toEqual(manifest);
  });

  it('names every problem with its path, the blob and what was expected', () => {
    const bad = { ...manifest, v: 2, steps: { a: { ...manifest.steps.a, command: [], inputs: { d: { kind: 'disk' } }, cache: 'yes' } } };
    const err = (() => {
      try {
        decodeManifest(bytes(bad), H);
      } catch (e) {
        return e as UsageError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(`Blob ${H} is not a pipewright manifest`);
    expect(err.problems).toEqual([
      'manifest.v: expected 1, received 2',
      'manifest.steps.a.command: expected a non-empty array of strings, received []',
      `manifest.steps.a.inputs.d.kind: expected 'step', 'artifact' or 'uri', received "disk"`,
      'manifest.steps.a.cache: expected true or false, received "yes"',
    ]);
  });

  it('rejects bytes that are not JSON', () => {
    expect(() => decodeManifest(Buffer.from('{'), H)).toThrow(/not a pipewright manifest: not JSON/);
  });
});

describe('decodeJobSpec', () => {
  const spec: JobSpec = {
    v: 1,
    pipeline: 'demo',
    runId: 'r1',
    step: 'a',
    key: H,
    keyDocument: { v: 1, code: null, command: ['x'], image: 'i', env: {}, inputs: {}, params: {}, outputs: ['o'], cacheVersion: null },
    code: null,
    command: ['x'],
    env: {},
    inputs: { d: H },
    params: { k: 1 },
    outputs: ['o'],
    gpus: 0,
  };

  it('returns a well-formed job spec as it is', () => {
    expect(decodeJobSpec(bytes(spec), H)).toEqual(spec);
  });

  it('names what is missing or malformed', () => {
    expect(() => decodeJobSpec(bytes({ ...spec, command: [], key: 'k' }), H)).toThrow(
      /not a pipewright job spec[\s\S]*job\.key: expected a hash[\s\S]*job\.command: expected a non-empty array of strings/,
    );
    expect(() => decodeJobSpec(Buffer.from('null'), H)).toThrow(/job: expected an object, received null/);
  });

  it('refuses input and output names that cannot be file names', () => {
    expect(() => decodeJobSpec(bytes({ ...spec, outputs: ['../x'] }), H)).toThrow(/output name "\.\.\/x" cannot be a file name/);
  });
});

describe('store keys', () => {
  it('lay out records and run documents as stores written before lib/protocol did', () => {
    expect(recordKey(H)).toBe(`records/${H.slice('sha256:'.length)}.json`);
    expect(runDocumentKey('r1')).toBe('runs/r1.json');
    expect(runKey('r1', 'train')).toBe('runs/r1/train.json');
    expect(runIdOfDocumentKey('runs/r1.json')).toBe('r1');
    expect(runIdOfDocumentKey('runs/r1/train.json')).toBeUndefined();
  });
});

describe('the short keys of the state machine', () => {
  it('map to readable names in one place, both ways', () => {
    // GIVEN the execution input and the lookup payload as the compiled definition builds them
    expect(executionInput({ k: 1 })).toEqual({ p: { k: 1 }, n: false });
    const wire = { s: 'train', i: { p: { k: 1 }, n: true, m: H, x: 'arn:aws:states:eu-west-1:1:execution:demo:run-7' } };
    // WHEN it is decoded, THEN every field has its readable name
    expect(decodeLookupRequest(wire)).toEqual({
      step: 'train',
      parameters: { k: 1 },
      noCache: true,
      manifest: H,
      executionId: wire.i.x,
      runId: 'run-7',
    });
    expect(lookupRequest({ step: 'train', parameters: { k: 1 }, noCache: true, manifest: H, executionId: wire.i.x })).toEqual(wire);
  });

  it('reads parameters back from an execution input, and nothing from a foreign one', () => {
    expect(parametersOfInput(JSON.stringify(executionInput({ k: 2 })))).toEqual({ k: 2 });
    expect(parametersOfInput('{"other":1}')).toEqual({});
    expect(parametersOfInput('not json')).toEqual({});
  });

  it('names the failed step in the cause and reads it back', () => {
    expect(failedStepOf(stepFailedCause('train'))).toBe('train');
    expect(failedStepOf('States.Timeout')).toBeUndefined();
  });
});
