// One run where something never settles and holds no handle of its own (built code, its own
// process): the run's deadline must end it; an event loop left empty would exit with the run unsettled.
// Usage: node hung-hook.mjs <wrapRun|onStepStart|beforeModel|model|finalize>; prints the result's status and stop reason.
import { createRuntime, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';

const never = () => new Promise(() => undefined);
const kind = process.argv[2];
const hooks = { wrapRun: [{ wrapRun: never }], onStepStart: [{ onStepStart: never }], beforeModel: [{ beforeModel: never }] }[kind];
// `model`: every call hangs. `finalize`: the first call answers with a tool call (max_steps stops the
// run after it), the finalize call then hangs: its grace ends it.
let calls = 0;
const hanging = {
  provider: 'test',
  model: 'hangs',
  generate() {
    if (kind === 'finalize' && calls++ === 0) return Promise.resolve({ message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'missing', args: {} }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' });
    return never();
  },
};
const model = kind === 'model' || kind === 'finalize' ? hanging : new ScriptedModel([ScriptedModel.answer('never asked')]);
const limits = kind === 'finalize' ? { maxSteps: 1, finalize: { graceMs: 300 } } : { timeoutMs: 300 };
const result = await createRuntime({ model, store: new MemoryStore(), limits, hooks }).run('go');
console.log(JSON.stringify({ status: result.status, stopReason: result.stopReason }));
