/**
 * Lambda entry of the reuse lookup: the first task of every step in the deployed state machines.
 *
 * The store is the artifact bucket named by `PIPEWRIGHT_STORE` (`s3://<bucket>`); the handler is the one the
 * local engine uses.
 */
import { createLookupHandler } from '../lib/reuse';
import { openStore } from '../lib/store';

// Outputs are not re-hashed on a hit: on S3 that would download every output of every reused step.
export const handler = createLookupHandler({ store: openStore(process.env.PIPEWRIGHT_STORE), verifyOutputs: false });
