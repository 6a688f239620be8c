export { AgentrtError, type AgentrtErrorOptions } from './agentrt-error.js';
export { ConfigError } from './config-error.js';
export { ModelError, type ModelErrorCode } from './model-error.js';
export { StoreError, type StoreErrorCode } from './store-error.js';
export { RunError } from './run-error.js';
