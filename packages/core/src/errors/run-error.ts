import { AgentrtError, type AgentrtErrorOptions } from './agentrt-error.js';

/** Misuse of a run: resuming with a different tool set (`resume_mismatch`), bad run options (`run_invalid`). */
export class RunError extends AgentrtError {
  constructor(code: 'resume_mismatch' | 'run_invalid' | 'hook_failed' | 'transcript_invalid', message: string, options: AgentrtErrorOptions = {}) {
    super(code, message, options);
  }
}
