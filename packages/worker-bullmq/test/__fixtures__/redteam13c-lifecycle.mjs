// A process for test/redteam13c.test.ts: producer and worker in one, on cfg.url (queue and a
// RedisStore): runs one job, prints `job done`, then on a `close` line on stdin closes the queue,
// the worker and the runtime, prints `closed`, and must then exit by itself (no handle left).
import 'reflect-metadata';
import { createRuntime } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { ScriptedModel, waitFor } from '@agentrt/testing';
import { AgentQueue, createAgentWorker } from '@agentrt/worker-bullmq';

const cfg = JSON.parse(process.argv[2]);
const store = new RedisStore({ url: cfg.url, keyPrefix: cfg.keyPrefix, commandTimeoutMs: 1_000 });
const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('done')]), store });
const worker = createAgentWorker({ runtime, url: cfg.url, name: cfg.queue });
const queue = new AgentQueue({ url: cfg.url, name: cfg.queue });
const runId = await queue.enqueue({ input: 'go' });
await waitFor(async () => (await queue.queue.getJobState(runId)) === 'completed', { timeoutMs: 30_000, message: 'the job completed' });
process.stdout.write('job done\n');
process.stdin.setEncoding('utf8');
let input = '';
const onData = async (chunk) => {
  input += chunk;
  if (!input.includes('close\n')) return;
  process.stdin.off('data', onData);
  process.stdin.destroy();
  await queue.close();
  await worker.close();
  await runtime.close();
  process.stdout.write('closed\n');
};
process.stdin.on('data', onData);
