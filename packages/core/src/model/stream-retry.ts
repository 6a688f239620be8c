import { ModelError } from '../errors/model-error.js';
import type { ModelResponse, ModelStreamEvent } from '../model.js';
import { streamInterrupted, withModelRetry, type ModelRetryInfo, type RetryPolicy } from './retry.js';

/**
 * Runs a streaming model call under the retry policy and yields its events as they come.
 * `open(attempt, emit)` streams one attempt, calling `emit` for each delta, and resolves with
 * the complete response. A failure before any delta is retried like `withModelRetry`; a failure
 * after a text, reasoning or tool-call delta was emitted is never retried (the consumer already saw output).
 */
export async function* streamWithRetry(input: {
  policy: Required<RetryPolicy>;
  signal: AbortSignal;
  /** When the caller stops waiting (`ModelRequest.deadline`): a retry wait past it is not started (see `withModelRetry`). */
  deadline?: number | undefined;
  provider: string;
  onRetry?: ((info: ModelRetryInfo) => void) | undefined;
  open: (attempt: number, emit: (event: ModelStreamEvent) => void) => Promise<ModelResponse>;
}): AsyncIterable<ModelStreamEvent> {
  const queue: ModelStreamEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  let visible = false;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const finished = withModelRetry({
    policy: input.policy,
    signal: input.signal,
    deadline: input.deadline,
    onRetry: input.onRetry,
    call: async (attempt) => {
      try {
        return await input.open(attempt, (event) => {
          // Reasoning is output too: the run streams it to its consumers (`model_reasoning_delta`),
          // and a retry would append a second attempt's reasoning to the first's.
          if (event.type === 'text_delta' || event.type === 'tool_call_delta' || event.type === 'reasoning_delta') visible = true;
          queue.push(event);
          notify();
        });
      } catch (error) {
        if (!visible || input.signal.aborted) throw error;
        throw ModelError.isInstance(error) && (error as ModelError).details?.afterVisibleOutput ? error : streamInterrupted(input.provider, error);
      }
    },
  }).then(
    (response) => {
      queue.push({ type: 'response', response });
      done = true;
      notify();
    },
    (error: unknown) => {
      failure = error;
      done = true;
      notify();
    },
  );
  for (;;) {
    const next = queue.shift();
    if (next) {
      yield next;
      continue;
    }
    if (done) break;
    await new Promise<void>((resolve) => (wake = resolve));
  }
  await finished;
  if (failure !== undefined) throw failure;
}
