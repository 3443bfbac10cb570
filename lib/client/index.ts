/**
 * The trigger API's client (what `pipewright trigger`, `status` and `cancel` use): SigV4-signed requests to
 * a deployed API, plain ones to a loopback `pipewright serve`.
 *
 * ```ts
 * const client = new ApiClient({ url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' });
 * const view = checkResponse(await client.request('GET', '/pipelines/iris/runs/latest'));
 * ```
 */
export { ApiClient, isLoopbackUrl, regionFromApiUrl, type ApiClientOptions, type ApiClientResponse } from './client';
export { checkResponse, errorMessageOf } from './client-response';
export { DEFAULT_PORT } from './defaults';
export { signRequest, verifySigV4, EXECUTE_API, type SignRequestInput, type VerifyInput, type VerifyOptions } from './sigv4';
