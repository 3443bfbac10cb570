/**
 * The body of `POST /pipelines/{name}/runs`: `{"parameters": {...}, "version"?: n, "idempotencyKey"?: "..."}`.
 */
import { HttpError } from './http-error';

/** Largest request body the API accepts (bytes); larger ones get 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Longest idempotency key accepted. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/** A parsed, shape-checked trigger body. */
export interface TriggerBody {
  /** Raw values (typed JSON, or strings for number/integer/boolean parameters). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** @default - the live definition */
  readonly version?: number;
  /** @default - none */
  readonly idempotencyKey?: string;
}

const KEYS = ['parameters', 'version', 'idempotencyKey'];

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** Parses and checks a trigger body; throws HttpError 413/400 naming the field that is wrong. */
export function parseTriggerBody(body: string | undefined): TriggerBody {
  const text = body ?? '';
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new HttpError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes; send only "parameters", "version" and "idempotencyKey".`);
  }
  if (text.trim() === '') return { parameters: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `Request body is not valid JSON (${(err as Error).message}); expected e.g. {"parameters": {"epochs": 300}}.`, [
      `body: not valid JSON: ${(err as Error).message}`,
    ]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, `Request body must be a JSON object; received ${kindOf(value)}. Expected e.g. {"parameters": {"epochs": 300}}.`, [
      `body: expected an object; received ${kindOf(value)}`,
    ]);
  }
  const obj = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(obj)) {
    if (!KEYS.includes(key)) problems.push(`${key}: unknown field; the body takes only "parameters", "version" and "idempotencyKey"`);
  }
  const { parameters = {}, version, idempotencyKey } = obj;
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    problems.push(`parameters: expected an object of name → value, e.g. {"epochs": 300}; received ${kindOf(parameters)}`);
  }
  if (version !== undefined && !(typeof version === 'number' && Number.isSafeInteger(version) && version >= 1)) {
    problems.push(`version: expected a positive whole number (a published version, e.g. 3); received ${kindOf(version)}`);
  }
  if (
    idempotencyKey !== undefined &&
    !(typeof idempotencyKey === 'string' && idempotencyKey.length > 0 && idempotencyKey.length <= MAX_IDEMPOTENCY_KEY_LENGTH)
  ) {
    problems.push(`idempotencyKey: expected a non-empty string of at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters; received ${kindOf(idempotencyKey)}`);
  }
  if (problems.length > 0) throw new HttpError(400, `Invalid request body: ${problems.join('; ')}`, problems);
  return {
    parameters: parameters as Record<string, unknown>,
    version: version as number | undefined,
    idempotencyKey: idempotencyKey as string | undefined,
  };
}
