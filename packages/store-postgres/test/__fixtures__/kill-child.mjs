// A process that drives one run whose only tool takes 10 s unless its signal aborts it.
// Prints TOOL_STARTED, ABORTED <ms since epoch> when the tool's signal fires, and RESULT <json>.
import 'reflect-metadata';
import { createRuntime, defineTool } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const cfg = JSON.parse(process.argv[2]);
const store = new PostgresStore({ url: cfg.url, schema: cfg.schema, applicationName: cfg.app });
const slow = defineTool({
  name: 'slow', description: 'takes 10 s', input: z.object({}), sideEffects: 'idempotent', timeoutMs: 30_000,
  execute: (_args, ctx) => new Promise((resolve) => {
    process.stdout.write('TOOL_STARTED\n');
    const timer = setTimeout(() => resolve('finished'), 10_000);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      process.stdout.write(`ABORTED ${Date.now()}\n`);
      resolve('aborted');
    }, { once: true });
  }),
});
const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('slow', {}), ScriptedModel.answer('done')]), tools: [slow], store, limits: { timeoutMs: 60_000 } });
const result = await runtime.run({ input: 'go', runId: cfg.runId });
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
await runtime.close();
