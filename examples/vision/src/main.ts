import 'reflect-metadata';
import { chooseModel, createVisionRuntime, lookAtThings, onTextOnlyModel } from './vision.js';

const result = await lookAtThings(createVisionRuntime(chooseModel()));
console.log(`stop: ${result.stopReason} after ${result.steps} steps`);
console.log(`answer: ${result.output ?? result.error?.message ?? ''}`);
const refused = await onTextOnlyModel();
console.log(`\non a text-only model: ${refused.error?.code} — ${refused.error?.message}`);
process.exitCode = result.stopReason === 'final_answer' ? 0 : 1;
