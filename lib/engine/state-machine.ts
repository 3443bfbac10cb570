/**
 * Builds the interpreter's StateMachine for a definition, validating each distinct definition once.
 *
 * aws-local-stepfunctions validates with asl-validator, which compiles its JSON schemas on every call
 * (0.3–0.7 s). The result is a pure function of the definition, so it is remembered in the process and
 * in the store (`engine/asl-validated/<hex>.json`); an invalid definition is never remembered.
 */
import '../compat/promise-with-resolvers';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { canonicalJson, hashBytes } from '../store';
import type { ArtifactStore } from '../store/types';

/** Bumped when the interpreter (and so its validator) changes major version. */
const VALIDATOR = 'aws-local-stepfunctions@3';

const validated = new Set<string>();

/** Store key of the marker saying a definition passed validation. */
function markerKey(hex: string): string {
  return `engine/asl-validated/${hex}.json`;
}

/** A StateMachine for the definition; throws the interpreter's validation error when it is invalid. */
export async function stateMachineFor(definition: StateMachineDefinition, store: ArtifactStore): Promise<StateMachine> {
  const hex = hashBytes(`${VALIDATOR}\n${canonicalJson(definition)}`).slice('sha256:'.length);
  let known = validated.has(hex);
  if (!known) known = (await store.getJson(markerKey(hex)).catch(() => undefined)) !== undefined;
  if (known) {
    validated.add(hex);
    return new StateMachine(definition, { validationOptions: { noValidate: true } });
  }
  // The validator adds fields to the states it checks: give it a copy, so the hash above stays stable.
  new StateMachine(structuredClone(definition), { validationOptions: { checkArn: false } });
  validated.add(hex);
  await store.putJson(markerKey(hex), { validator: VALIDATOR, validatedAt: new Date().toISOString() });
  return new StateMachine(definition, { validationOptions: { noValidate: true } });
}
