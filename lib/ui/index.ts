/**
 * The web UI: the browser app (`app/`, bundled by esbuild), its HTML page and report file, and the routes
 * `serve` answers for it.
 */
export { bundleUi, loadUiAssets, type UiAssets } from './assets';
export { reportPage, servedPage } from './page';
export { uiResponse, type UiResponse } from './http';
