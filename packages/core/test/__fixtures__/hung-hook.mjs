// One run whose hook never settles and holds no handle of its own (built code, its own process):
// the run's deadline must end it; an event loop left empty would exit with the run unsettled.
// Usage: node hung-hook.mjs <wrapRun>; prints the result's status and stop reason.
import { createRuntime, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';

const hooks = { wrapRun: [{ wrapRun: () => new Promise(() => undefined) }] }[process.argv[2]];
const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.answer('never asked')]), store: new MemoryStore(), limits: { timeoutMs: 300 }, hooks }).run('go');
console.log(JSON.stringify({ status: result.status, stopReason: result.stopReason }));
