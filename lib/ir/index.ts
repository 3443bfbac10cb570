/**
 * The validated intermediate representation of a pipeline (plain data), and the small pure helpers on its
 * names and `s3://` URIs that every layer shares.
 */
export type * from './types';
export { envSuffix, pascalCase } from './names';
export { parseS3Uri, S3_URI_PATTERN, type S3Location } from './s3-uri';
