import 'reflect-metadata';
import { chooseModel, createQuickstartRuntime, runQuickstart, TASK } from './agent.js';
import { formatEvent } from './trace.js';

const { model, label } = chooseModel();
const runtime = createQuickstartRuntime(model);
console.log('agentrt quickstart');
console.log(`model: ${label}`);
console.log(`task:  ${TASK}\n`);
const result = await runQuickstart(runtime, (event) => {
  const line = formatEvent(event);
  if (line) console.log(line);
});
console.log(`\nanswer:\n${result.output ?? '(none)'}`);
process.exitCode = result.stopReason === 'final_answer' ? 0 : 1;
