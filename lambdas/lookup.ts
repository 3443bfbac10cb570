/**
 * Lambda entry of the reuse lookup: the first task of every step in the deployed state machines.
 *
 * The store is the artifact bucket named by `PIPEWRIGHT_STORE` (`s3://<bucket>`); the handler is the one the
 * local engine uses.
 */
import { createLookupHandler } from '../lib/reuse';
import { createS3UriResolver, openStore } from '../lib/store';

const store = openStore(process.env.PIPEWRIGHT_STORE);

// Outputs are not re-hashed on a hit: on S3 that would download every output of every reused step.
// `uri:` inputs are copied into the store by content (the function may read the buckets they name).
export const handler = createLookupHandler({ store, verifyOutputs: false, resolveUri: createS3UriResolver(store) });
