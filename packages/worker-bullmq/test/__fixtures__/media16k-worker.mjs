// media16k: a worker process whose tool returns the image it is given; the model is scripted.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { createRuntime, defineTool } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { ScriptedModel } from '@agentrt/testing';
import { createAgentWorker } from '@agentrt/worker-bullmq';

const config = JSON.parse(process.argv[2]);
const image = readFileSync(config.imageFile, 'utf8');
const store = new RedisStore({ url: config.url, keyPrefix: config.keyPrefix });
const look = defineTool({
  name: 'look', description: 'returns the chart', input: z.object({ n: z.number() }), sideEffects: 'none',
  execute: async () => [{ type: 'text', text: 'the chart' }, { type: 'image', mediaType: 'image/png', data: image }],
});
const model = new ScriptedModel([ScriptedModel.call('look', { n: 0 }), ScriptedModel.call('look', { n: 1 }), ScriptedModel.answer('a rising line')]);
const runtime = createRuntime({ model, store, tools: [look], leaseTtlMs: 2_000 });
const worker = createAgentWorker({ runtime, url: config.url, name: config.queue, lockDurationMs: 2_000 });
process.stdout.write('ready\n');
process.on('SIGTERM', async () => {
  await worker.close();
  await store.close();
  process.exit(0);
});
