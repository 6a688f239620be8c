// A child for dedupe-crash.test.ts: one step calls `charge` twice with identical args (c1, c2) and
// `boom` (c3); with dedupeIdenticalCalls, c1 runs and c2 waits to copy its result. `boom` waits until
// c1's result is in the ledger, then SIGKILLs the process: the step is left with c1 recorded, c2 not.
import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const cfg = JSON.parse(process.argv[2]);
const store = new SqliteStore({ path: cfg.dbPath });
const charge = defineTool({
  name: 'charge', description: 'charges', input: z.object({ cents: z.number() }), sideEffects: 'idempotent',
  execute: async ({ cents }, ctx) => {
    appendFileSync(cfg.effectsPath, `${ctx.idempotencyKey}\n`);
    return `charged ${cents}`;
  },
});
const boom = defineTool({
  name: 'boom', description: 'dies once charge is recorded', input: z.object({}), sideEffects: 'none',
  execute: async () => {
    for (;;) {
      const ledger = await store.getToolLedger(cfg.runId, { stepIndex: 0 });
      if (ledger.some((entry) => entry.toolCallId === 'c1' && entry.status === 'completed')) process.kill(process.pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  },
});
const model = new ScriptedModel([
  ScriptedModel.parallel([{ id: 'c1', name: 'charge', args: { cents: 5 } }, { id: 'c2', name: 'charge', args: { cents: 5 } }, { id: 'c3', name: 'boom', args: {} }]),
  ScriptedModel.answer('done'),
]);
await createRuntime({ model, tools: [charge, boom], store, dedupeIdenticalCalls: true, leaseTtlMs: 1_000 }).run({ input: 'go', runId: cfg.runId });
