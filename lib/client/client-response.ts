/**
 * Turning API responses into CLI outcomes: 4xx → UsageError (exit 2), 5xx → Error (exit 1).
 */
import { UsageError } from '../errors';
import type { ApiClientResponse } from './client';

/** The error message of an API error body (`error`, or API Gateway's own `message`). */
export function errorMessageOf(res: ApiClientResponse<unknown>): string {
  const b = res.body as { error?: unknown; message?: unknown };
  return String(b.error ?? b.message ?? `HTTP ${res.statusCode}`);
}

/** Throws for a response that is not 2xx: UsageError with the server's problems for 4xx, Error otherwise. */
export function checkResponse(res: ApiClientResponse<unknown>, what: string): void {
  if (res.statusCode >= 200 && res.statusCode < 300) return;
  const message = `${what}: HTTP ${res.statusCode}: ${errorMessageOf(res)}`;
  if (res.statusCode >= 400 && res.statusCode < 500) {
    const problems = (res.body as { problems?: unknown }).problems;
    const list = Array.isArray(problems) && problems.length > 0 ? [message, ...problems.map((p) => `  ${String(p)}`)] : [message];
    throw new UsageError(list.join('\n'), list);
  }
  throw new Error(message);
}
