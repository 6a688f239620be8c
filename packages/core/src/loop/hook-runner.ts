import { AgentrtError } from '../errors/agentrt-error.js';
import { RunError } from '../errors/run-error.js';
import { RunAbort } from '../util/abort.js';

/** Runs one hook; a throw becomes `RunError('hook_failed')` naming the hook (aborts pass through). */
export async function callHook<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof RunAbort || (AgentrtError.isInstance(error) && error.code === 'hook_failed')) throw error;
    throw new RunError('hook_failed', `hook ${name} threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
