/**
 * Builds the pipeline manifest (the shape is lib/protocol's `PipelineManifest`): code trees and `path:`
 * inputs stored by content, the rest as data.
 *
 * ```ts
 * const { hash } = await buildManifest(ir, store); // fills `${Manifest}`
 * ```
 */
export * from './build';
