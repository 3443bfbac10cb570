/** Where in the artifact store the deployed system writes at run time. */

/**
 * The store areas the lookup function and the jobs write at run time: blobs, records, run documents, `uri:`
 * input listings and quarantined blobs (see lib/store).
 */
export const STORE_WRITE_AREAS = ['cas/', 'records/', 'runs/', 'uris/', 'quarantine/'] as const;
