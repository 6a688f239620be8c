// A worker process for test/redteam13c.test.ts: the crash scenario's model and tools (the same
// effect-counter keys, so `checkCrashRecovery` applies) with a random latency of up to
// cfg.toolDelayMaxMs per tool call, on a shared RedisStore. cfg.killOnce: crash points
// `model@<stepIndex>` at which the first worker to reach one (over all workers: a marker file in
// cfg.markerDir) SIGKILLs itself.
import 'reflect-metadata';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { crashScenarioModel } from '@agentrt/testing';
import { createAgentWorker } from '@agentrt/worker-bullmq';
import { z } from 'zod';
import { reportingRuntime } from './reporting-runtime.mjs';

const cfg = JSON.parse(process.argv[2]);
const store = new RedisStore({ url: cfg.url, keyPrefix: cfg.keyPrefix });
const crash = (point) => {
  if (!cfg.killOnce?.includes(point)) return;
  try {
    closeSync(openSync(join(cfg.markerDir, point), 'wx'));
  } catch {
    return; // reached before
  }
  process.kill(process.pid, 'SIGKILL');
};
const latency = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * (cfg.toolDelayMaxMs ?? 0))));
const effect = async (kind, key, dedupe) => {
  const response = await fetch(`${cfg.counterUrl}/effect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, key, dedupe }) });
  if (!response.ok) throw new Error(`counter answered ${response.status}`);
};
const tools = [
  defineTool({ name: 'charge', description: 'Charges a card (not idempotent)', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', execute: async (_args, ctx) => { await latency(); await effect('charge', ctx.idempotencyKey, false); return 'charged'; } }),
  defineTool({ name: 'put', description: 'Stores a value (idempotent by key)', input: z.object({ key: z.string(), value: z.number() }), sideEffects: 'idempotent', execute: async (_args, ctx) => { await latency(); await effect('put', ctx.idempotencyKey, true); return 'stored'; } }),
  defineTool({ name: 'lookup', description: 'Reads something (pure)', input: z.object({ q: z.string() }), execute: async ({ q }) => { await latency(); return `found ${q}`; } }),
];
const scenario = crashScenarioModel();
const model = {
  provider: scenario.provider,
  model: scenario.model,
  generate: async (request) => {
    crash(`model@${request.messages.filter((message) => message.role === 'assistant').length}`);
    return scenario.generate(request);
  },
};
const runtime = createRuntime({ model, tools, store, leaseTtlMs: cfg.lockDurationMs, owner: `worker-${process.pid}`, limits: { maxSteps: 10 } });
const worker = createAgentWorker({
  runtime: reportingRuntime(runtime, (line) => process.stdout.write(`${line}\n`)), url: cfg.url, name: cfg.queue, concurrency: cfg.concurrency ?? 4,
  lockDurationMs: cfg.lockDurationMs, stalledIntervalMs: cfg.stalledIntervalMs,
});
await worker.worker.waitUntilReady();
process.stdout.write('ready\n');
