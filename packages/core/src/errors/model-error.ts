import { AgentrtError, type AgentrtErrorOptions } from './agentrt-error.js';

/** Typed model failure codes adapters raise. */
export type ModelErrorCode =
  | 'model_rate_limited'
  | 'model_unavailable'
  | 'model_timeout'
  | 'model_bad_request'
  | 'model_auth'
  | 'model_output_invalid'
  | 'context_overflow';

/** A model call failed. Thrown by adapters after their own retry policy is exhausted. */
export class ModelError extends AgentrtError {
  declare readonly code: ModelErrorCode;
  /** HTTP status when the provider answered with one. */
  readonly status: number | undefined;
  constructor(code: ModelErrorCode, message: string, options: AgentrtErrorOptions & { status?: number } = {}) {
    super(code, message, options);
    this.status = options.status;
  }
}
