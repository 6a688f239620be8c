import { AgentrtError, type AgentrtErrorOptions } from './agentrt-error.js';

/** Invalid options passed to a constructor or factory. `field` names the offending option. Code `config_invalid`. */
export class ConfigError extends AgentrtError {
  readonly field: string;
  constructor(field: string, message: string, options: AgentrtErrorOptions = {}) {
    super('config_invalid', `Invalid option "${field}": ${message}`, { ...options, details: { field, ...options.details } });
    this.field = field;
  }
}
