/**
 * Lambda entry of the trigger API (API Gateway REST proxy integration).
 *
 * Placeholder until lib/api's cloud dependencies land: answers 503 naming what is missing.
 */
export async function handler(): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  return {
    statusCode: 503,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: 'the trigger API handler is not wired to its cloud dependencies yet' }),
  };
}
