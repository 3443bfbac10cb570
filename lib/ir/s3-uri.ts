/**
 * `s3://` URIs: the one parser for definitions (`uri:` inputs), the store's location and the Lambdas.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */

/** A bucket and a key within it (an object's key, a prefix, or empty for the whole bucket). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** A well-formed `s3://<bucket>[/<key>]` URI (bucket names per S3's rules: 3–63 lowercase letters, digits, `.`, `-`). */
export const S3_URI_PATTERN = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/;

/** Splits an `s3://` URI into bucket and key; undefined when it is not one. */
export function parseS3Uri(uri: string): S3Location | undefined {
  if (!S3_URI_PATTERN.test(uri)) return undefined;
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? { bucket: rest, key: '' } : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}
