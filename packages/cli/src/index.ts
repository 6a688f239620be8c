export { main, exitCodeFor } from './cli.js';
export type { CliIO } from './cli.js';
export { findConfig, loadConfig, runtimeFromConfig, DEFAULT_STORE_PATH } from './config.js';
export type { CliConfig, StoreSpec } from './config.js';
export { traceLine, summary, runRow } from './format.js';
