// A worker process for the tests: the crash scenario (deterministic model, effectful tools)
// on a shared RedisStore (or PostgresStore with cfg.store = 'postgres'), taking jobs from a BullMQ queue.
import 'reflect-metadata';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { crashScenarioModel, crashScenarioTools } from '@agentrt/testing';
import { createAgentWorker } from '@agentrt/worker-bullmq';
import { reportingRuntime } from './reporting-runtime.mjs';

const cfg = JSON.parse(process.argv[2]);
const store = cfg.store === 'postgres'
  ? new PostgresStore({ url: cfg.databaseUrl, schema: cfg.schema })
  : new RedisStore({ url: cfg.storeUrl ?? cfg.url, keyPrefix: cfg.keyPrefix, commandTimeoutMs: cfg.commandTimeoutMs ?? 5_000 });
// Crash points `<tool>@<stepIndex>` (after the tool's effect) or `model@<stepIndex>` (as the model is asked):
// cfg.killEvery SIGKILLs the worker each time one is reached; cfg.killOnce only the first time, over
// all workers (a marker file in cfg.markerDir, created exclusively, remembers it).
// cfg.blockOnce: at that point, the first worker to reach it blocks its event loop for cfg.blockMs
// (a synchronous busy-wait, RELIABILITY F-31), then goes on.
const crash = (point) => {
  if (cfg.blockOnce === point) {
    let first = true;
    try {
      closeSync(openSync(join(cfg.markerDir, `block-${point}`), 'wx'));
    } catch {
      first = false;
    }
    if (first) {
      process.stdout.write(`blocked ${point}\n`);
      // Until cfg.blockMs passed or, with cfg.blockRelease, as soon as that file exists (the test
      // releases the worker once another one finished the run: no race with the machine's load).
      const until = Date.now() + cfg.blockMs;
      while (Date.now() < until && !(cfg.blockRelease && existsSync(cfg.blockRelease))) { /* the event loop is blocked */ }
    }
  }
  if (cfg.killEvery?.includes(point)) process.kill(process.pid, 'SIGKILL');
  if (!cfg.killOnce?.includes(point)) return;
  try {
    closeSync(openSync(join(cfg.markerDir, point), 'wx'));
  } catch {
    return; // reached before
  }
  process.kill(process.pid, 'SIGKILL');
};
const tools = crashScenarioTools(cfg.counterUrl, (tool, stepIndex) => crash(`${tool}@${stepIndex}`));
const scenario = crashScenarioModel();
const model = {
  provider: scenario.provider,
  model: scenario.model,
  generate: async (request) => {
    await new Promise((resolve) => setTimeout(resolve, cfg.stepDelayMs));
    crash(`model@${request.messages.filter((message) => message.role === 'assistant').length}`);
    return scenario.generate(request);
  },
};
const runtime = createRuntime({ model, tools, store, leaseTtlMs: cfg.lockDurationMs, owner: `worker-${process.pid}`, limits: { maxSteps: 10 } });
const report = (line) => process.stdout.write(`${line}\n`);
const reporting = reportingRuntime(runtime, report);
const worker = createAgentWorker({
  runtime: reporting, url: cfg.url, name: cfg.queue, concurrency: cfg.concurrency ?? 2,
  lockDurationMs: cfg.lockDurationMs, stalledIntervalMs: cfg.stalledIntervalMs, maxStalledCount: cfg.maxStalledCount,
  restartLostRuns: cfg.restartLostRuns,
});
process.on('SIGTERM', async () => {
  await worker.close();
  await runtime.close();
  process.exit(0);
});
await worker.worker.waitUntilReady();
process.stdout.write('ready\n');
