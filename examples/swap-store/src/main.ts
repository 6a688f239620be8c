import 'reflect-metadata';
import { createAgent } from './agent.js';
import { openStore, type StoreKind } from './stores.js';

// node dist/main.js postgres   (DATABASE_URL=postgres://user@host:5432/db)
const kind = (process.argv[2] ?? 'sqlite') as StoreKind;
const runtime = createAgent(openStore(kind));
const result = await runtime.run({ input: 'Where is my order A-1001?' });
console.log(`${kind}: ${result.stopReason} after ${result.steps} steps — ${result.output ?? ''}`);
console.log(`stored: ${(await runtime.getRun(result.runId))?.status}, ${(await runtime.events(result.runId)).length} audit events`);
await runtime.close();
