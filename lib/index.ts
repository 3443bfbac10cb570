/** Pipewright's public API (barrel; the lead merges each area's line). */
export * from './constructs';
