import { RunError } from '../errors/run-error.js';
import type { TokenUsage } from '../messages.js';
import type { ModelRequest, ModelResponse } from '../model.js';
import { validateResponse } from './decide.js';
import { describeThrown } from './tool-output.js';

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/**
 * A `beforeModel` hook's replacement request, checked before anything reads it: an object whose
 * `messages` is an array of messages (objects with a known role) and whose `tools` is an array of
 * tool specs (unless `fixed` sets them). Its fields are read once; `fixed` (the run's signal and
 * retry listener, the finalize call's settings) overrides what the hook set. A malformed answer —
 * or one whose reading throws — fails the run as the hook's fault: `hook_failed`.
 */
export function hookRequest(replaced: unknown, fixed: Partial<ModelRequest>): ModelRequest {
  try {
    if (typeof replaced !== 'object' || replaced === null) throw new TypeError(`expected a request object, got ${replaced === null ? 'null' : typeof replaced}`);
    const request = { ...(replaced as ModelRequest) };
    const messages: unknown = request.messages;
    if (!Array.isArray(messages)) throw new TypeError('messages must be an array');
    messages.forEach((message: unknown, index) => {
      if (typeof message !== 'object' || message === null || !ROLES.has((message as { role?: unknown }).role as string)) throw new TypeError(`messages.${index} is not a message`);
    });
    if (fixed.tools === undefined) {
      const tools: unknown = request.tools;
      if (!Array.isArray(tools)) throw new TypeError('tools must be an array');
      tools.forEach((tool: unknown, index) => {
        if (typeof tool !== 'object' || tool === null || typeof (tool as { name?: unknown }).name !== 'string') throw new TypeError(`tools.${index} is not a tool spec`);
      });
    }
    return { ...request, ...fixed } as ModelRequest;
  } catch (error) {
    throw new RunError('hook_failed', `hook beforeModel returned an invalid request: ${describeThrown(error)}`, { cause: error });
  }
}

/**
 * An `afterModel` hook's replacement response, checked as an adapter's is (`validateResponse`),
 * with the usage actually spent. A malformed answer fails the run as the hook's fault
 * (`hook_failed`), not the model's (`model_output_invalid`).
 */
export function hookResponse(replaced: unknown, usage: TokenUsage): ModelResponse {
  try {
    if (typeof replaced !== 'object' || replaced === null) throw new TypeError(`expected a response object, got ${replaced === null ? 'null' : typeof replaced}`);
    return validateResponse({ ...replaced, usage });
  } catch (error) {
    throw new RunError('hook_failed', `hook afterModel returned an invalid response: ${describeThrown(error)}`, { cause: error });
  }
}
