// The one scripted model and the one tool every runtime in `pnpm bench:peers` uses.
// The model is stateless: it looks only at the last tool result. `add` returns a + b and the
// model always asks for add(last, 1), so the last result counts the steps done; after `steps`
// tool calls it answers with text. Every runtime therefore does `steps` model calls that each
// run one tool call, plus one final model call, and ends on its own (no limit error).

/** The `add` tool's body, shared by every runtime. */
export const add = ({ a, b }) => a + b;

/** Fresh arguments every step, so no runtime's loop detection fires. */
export function decide(lastResult, steps) {
  const done = lastResult === undefined ? 0 : Number(lastResult);
  if (!Number.isFinite(done)) throw new Error(`scripted model: last tool result is not a number: ${String(lastResult)}`);
  if (done >= steps) return { text: `done after ${done} steps` };
  return { call: { id: `call_${done + 1}`, name: 'add', args: { a: done, b: 1 } } };
}

export const USAGE = { inputTokens: 10, outputTokens: 5 };
export const DESCRIPTION = 'Adds two numbers';

/** Checks that a run did exactly `steps` tool steps (the final text names the count). */
export function expectDone(text, steps, runtime) {
  if (text !== `done after ${steps} steps`) throw new Error(`${runtime}: expected "done after ${steps} steps", got ${JSON.stringify(text)}`);
}
