/** Types of layers.mjs (the lib/ import table shared by eslint.config.mjs and the tests). */
export declare const LAYERS: Readonly<Record<string, readonly string[]>>;
export declare const LAMBDAS: readonly string[];
export declare function layerZones(): unknown[];
