import { AgentrtError, type AgentrtErrorOptions } from './agentrt-error.js';

/**
 * A run could not go on: resuming with a different tool set or schema (`resume_mismatch`), a hook that
 * failed (`hook_failed`), a step that would break tool pairing (`transcript_invalid`). Bad run options
 * are `ConfigError` (`config_invalid`); `run_invalid` is reserved and not raised.
 */
export class RunError extends AgentrtError {
  constructor(code: 'resume_mismatch' | 'run_invalid' | 'hook_failed' | 'transcript_invalid', message: string, options: AgentrtErrorOptions = {}) {
    super(code, message, options);
  }
}
