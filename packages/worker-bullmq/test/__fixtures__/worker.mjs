// A worker process for the tests: the crash scenario (deterministic model, effectful tools)
// on a shared RedisStore (or PostgresStore with cfg.store = 'postgres'), taking jobs from a BullMQ queue.
import 'reflect-metadata';
import { createRuntime } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { crashScenarioModel, crashScenarioTools } from '@agentrt/testing';
import { createAgentWorker } from '@agentrt/worker-bullmq';

const cfg = JSON.parse(process.argv[2]);
const store = cfg.store === 'postgres'
  ? new PostgresStore({ url: cfg.databaseUrl, schema: cfg.schema })
  : new RedisStore({ url: cfg.url, keyPrefix: cfg.keyPrefix, commandTimeoutMs: cfg.commandTimeoutMs ?? 5_000 });
const tools = crashScenarioTools(cfg.counterUrl, (tool) => {
  if (cfg.crashLoop && tool === 'charge') process.kill(process.pid, 'SIGKILL');
});
const scenario = crashScenarioModel();
const model = {
  provider: scenario.provider,
  model: scenario.model,
  generate: async (request) => {
    await new Promise((resolve) => setTimeout(resolve, cfg.stepDelayMs));
    return scenario.generate(request);
  },
};
const runtime = createRuntime({ model, tools, store, leaseTtlMs: cfg.lockDurationMs, owner: `worker-${process.pid}`, limits: { maxSteps: 10 } });
const worker = createAgentWorker({
  runtime, url: cfg.url, name: cfg.queue, concurrency: cfg.concurrency ?? 2,
  lockDurationMs: cfg.lockDurationMs, stalledIntervalMs: cfg.stalledIntervalMs, maxStalledCount: cfg.maxStalledCount,
});
process.on('SIGTERM', async () => {
  await worker.close();
  await runtime.close();
  process.exit(0);
});
await worker.worker.waitUntilReady();
process.stdout.write('ready\n');
