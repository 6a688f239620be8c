import 'reflect-metadata';
import { createAgent } from './agent.js';

const model = process.argv[2] ?? process.env.AGENTRT_MODEL ?? 'openai:gpt-4o-mini';
const result = await createAgent(model).run('Should I take an umbrella in Lisbon today?');
console.log(`${model}: ${result.stopReason} — ${result.output ?? result.error?.message ?? ''}`);
