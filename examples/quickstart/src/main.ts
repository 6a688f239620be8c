import 'reflect-metadata';
import { createQuickstartRuntime, runQuickstart, TASK } from './agent.js';
import { formatEvent } from './trace.js';

const runtime = createQuickstartRuntime();
console.log('agentrt quickstart');
console.log('model: embedded ScriptedModel (no provider API key or host is set, so no network is used)');
console.log(`task:  ${TASK}\n`);
const result = await runQuickstart(runtime, (event) => {
  const line = formatEvent(event);
  if (line) console.log(line);
});
console.log(`\nanswer:\n${result.output ?? '(none)'}`);
process.exitCode = result.stopReason === 'final_answer' ? 0 : 1;
