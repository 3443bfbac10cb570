/**
 * Reuse: cache keys, the lookup handler (local engine and Lambda) and key explanations.
 *
 * ```ts
 * const lookup = createLookupHandler({ store });
 * const r = await lookup({ s: 'train', i: { p: { epochs: 300 }, n: false, m: manifestHash, x: 'run-1' } });
 * if (r.run) await runJob({ store, job: r.job! });
 * ```
 */
export * from './key-resolver';
export * from './lookup-handler';
export * from './explain-keys';
export * from './tree-diff';
