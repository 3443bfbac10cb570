/**
 * An error the trigger API answers with a given HTTP status and a JSON body `{ "error", "problems"? }`.
 */
export class HttpError extends Error {
  public override readonly name = 'HttpError';
  constructor(
    public readonly statusCode: number,
    message: string,
    public readonly problems?: readonly string[],
    public readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}
