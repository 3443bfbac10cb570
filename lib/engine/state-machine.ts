/**
 * Builds the interpreter's StateMachine for a definition, and validates each distinct definition once.
 *
 * aws-local-stepfunctions validates with asl-validator, which compiles its JSON schemas on every call
 * (0.3–1.5 s of CPU). So the engine validates in a worker thread while the run starts, with the same
 * validator and options the interpreter would use, and remembers a definition that passed, in the process
 * and in the store (`engine/asl-validated/<hex>.json`). An invalid definition fails the run.
 */
import '../compat';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { validatedDefinitionKey } from '../protocol';
import { canonicalJson, hashBytes, type ArtifactStore } from '../store';

/** Bumped when the interpreter (and so its validator) changes major version. */
const VALIDATOR = 'aws-local-stepfunctions@3';

const validated = new Set<string>();

/** The interpreter, and a promise that settles when the definition is known valid (rejects when it is not). */
export interface PreparedStateMachine {
  readonly stateMachine: StateMachine;
  readonly validation: Promise<void>;
}

/** The asl-validator module the interpreter itself uses. */
function validatorPath(): string {
  const req = createRequire(import.meta.url);
  return createRequire(req.resolve('aws-local-stepfunctions')).resolve('asl-validator');
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const validate = require(workerData.validatorPath);
const r = validate(workerData.definition, { checkArn: false, checkPaths: true });
parentPort.postMessage({ isValid: r.isValid, errors: r.isValid ? '' : r.errorsText('\\n') });
`;

/** The interpreter's constructor. */
type StateMachineClass = typeof StateMachine;

/** Loads the interpreter on first use (a quarter second), so CLI commands that never run a pipeline start fast. */
async function loadInterpreter(): Promise<StateMachineClass> {
  return (await import('aws-local-stepfunctions')).StateMachine;
}

/** Validates in a worker thread; falls back to validating here if a worker cannot start. */
function validateAsync(StateMachine: StateMachineClass, definition: StateMachineDefinition): Promise<void> {
  const invalid = (errors: string): Error => new Error(`The compiled state machine is invalid:\n ${errors}`);
  const here = (): void => {
    // The validator adds fields to the states it checks: give it a copy.
    new StateMachine(structuredClone(definition), { validationOptions: { checkArn: false } });
  };
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    const fallback = (): void => {
      try {
        here();
        settle();
      } catch (err) {
        settle(err);
      }
    };
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { validatorPath: validatorPath(), definition } });
    } catch {
      fallback();
      return;
    }
    worker.once('message', (m: { isValid: boolean; errors: string }) => settle(m.isValid ? undefined : invalid(m.errors)));
    worker.once('error', fallback);
    worker.once('exit', () => {
      if (!settled) fallback();
    });
  });
}

/**
 * A StateMachine for the definition (never validated by the interpreter) and the validation of it.
 *
 * `identity` names what validity depends on (default: the definition itself); the engine passes the
 * compiled template and every substitution but the manifest hash, a string whose value cannot change
 * validity, so editing code or data does not validate again. `validate: false` skips validation (the engine's
 * default: the compiler's tests prove its output valid, see test/compiler).
 */
export async function prepareStateMachine(
  definition: StateMachineDefinition,
  store: ArtifactStore,
  identity: unknown = definition,
  options: { readonly validate?: boolean } = {},
): Promise<PreparedStateMachine> {
  const StateMachine = await loadInterpreter();
  const stateMachine = new StateMachine(definition, { validationOptions: { noValidate: true } });
  if (options.validate === false) return { stateMachine, validation: Promise.resolve() };
  const hex = hashBytes(`${VALIDATOR}\n${canonicalJson(identity)}`).slice('sha256:'.length);
  let known = validated.has(hex);
  if (!known) known = (await store.getJson(validatedDefinitionKey(hex)).catch(() => undefined)) !== undefined;
  if (known) {
    validated.add(hex);
    return { stateMachine, validation: Promise.resolve() };
  }
  const validation = validateAsync(StateMachine, definition).then(async () => {
    validated.add(hex);
    await store.putJson(validatedDefinitionKey(hex), { validator: VALIDATOR, validatedAt: new Date().toISOString() });
  });
  validation.catch(() => undefined); // observed by the engine
  return { stateMachine, validation };
}
