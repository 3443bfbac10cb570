/**
 * The pipeline manifest: what the compiled state machine refers to by hash.
 *
 * ```ts
 * const { hash } = await buildManifest(ir, store); // fills `${Manifest}`
 * ```
 */
export * from './types';
export * from './build';
