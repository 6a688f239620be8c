// A worker process for the L-04 chaos test, built on the public API as a user would: a RedisStore,
// a deterministic model, and three tools — one of each `sideEffects` kind — that take a little time
// (so SIGKILLs land mid-tool) and append one line per execution to a shared file with O_APPEND:
//   start <runId> <toolCallId> <idempotencyKey> <kind> <pid>   (non-idempotent only, before its effect)
//   done  <runId> <toolCallId> <idempotencyKey> <kind> <pid>   (every completed execution)
// Every lease taken and every fenced store write is appended to a second file
// (`<method> <runId> <epoch> <firstSeq> <lastSeq> ok|<code> <pid> <Date.now()>`), so the test can check that no write
// landed after a newer lease's write (0 commits after lease loss) and knows which worker held each run's lease when.
// Reports its drives on stdout (`drive_start <runId>`, `drive_end <runId>`), which is a pipe: written synchronously.
import 'reflect-metadata';
import { appendFileSync } from 'node:fs';
import { createRuntime, defineTool } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { createAgentWorker } from '@agentrt/worker-bullmq';
import { reportingRuntime } from './reporting-runtime.mjs';
import { z } from 'zod';

const cfg = JSON.parse(process.argv[2]);
const pid = process.pid;
const record = (line) => appendFileSync(cfg.effectsFile, `${line}\n`);
const wait = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
});

const tools = [
  defineTool({
    name: 'charge', description: 'Charges a card (not idempotent)', input: z.object({ cents: z.number(), ms: z.number() }), sideEffects: 'non-idempotent',
    execute: async ({ cents, ms }, ctx) => {
      record(`start ${ctx.runId} ${ctx.toolCallId} ${ctx.idempotencyKey} non-idempotent ${pid}`);
      await wait(ms);
      record(`done ${ctx.runId} ${ctx.toolCallId} ${ctx.idempotencyKey} non-idempotent ${pid}`);
      return `charged ${cents}`;
    },
  }),
  defineTool({
    name: 'put', description: 'Stores a value (idempotent by key)', input: z.object({ key: z.string(), ms: z.number() }), sideEffects: 'idempotent',
    execute: async ({ key, ms }, ctx) => {
      await wait(ms, ctx.signal);
      record(`done ${ctx.runId} ${ctx.toolCallId} ${ctx.idempotencyKey} idempotent ${pid}`);
      return `stored ${key}`;
    },
  }),
  defineTool({
    name: 'lookup', description: 'Reads something (pure)', input: z.object({ q: z.string(), ms: z.number() }),
    execute: async ({ q, ms }, ctx) => {
      await wait(ms, ctx.signal);
      record(`done ${ctx.runId} ${ctx.toolCallId} ${ctx.idempotencyKey} none ${pid}`);
      return `found ${q}`;
    },
  }),
];

// The plan: the tool calls of each step (decided from the number of steps so far, so a model
// re-asked after a crash decides the same calls with the same ids); the step after the last answers.
const PLAN = [
  [{ name: 'charge', args: { cents: 100, ms: 400 } }, { name: 'put', args: { key: 'a', ms: 200 } }, { name: 'lookup', args: { q: 'x', ms: 100 } }],
  [{ name: 'lookup', args: { q: 'y', ms: 600 } }],
  [{ name: 'put', args: { key: 'b', ms: 400 } }, { name: 'charge', args: { cents: 200, ms: 500 } }],
  [{ name: 'charge', args: { cents: 300, ms: 300 } }],
];
const model = {
  provider: 'scripted',
  model: 'chaos',
  async generate(request) {
    await wait(cfg.modelDelayMs);
    const step = request.messages.filter((message) => message.role === 'assistant').length;
    const calls = PLAN[step];
    if (!calls) return { message: { role: 'assistant', content: 'all done' }, usage: { inputTokens: 10, outputTokens: 3 }, finishReason: 'stop' };
    return {
      message: { role: 'assistant', content: '', toolCalls: calls.map((call, i) => ({ id: `s${step}-${i}-${call.name}`, name: call.name, args: call.args })) },
      usage: { inputTokens: 10, outputTokens: 5 },
      finishReason: 'tool_calls',
    };
  },
};

const redisStore = new RedisStore({ url: cfg.url, keyPrefix: cfg.keyPrefix, commandTimeoutMs: cfg.commandTimeoutMs });
const FENCED = new Set(['commitStep', 'finishRun', 'updateRun', 'appendEvents']);
const writes = (line) => appendFileSync(cfg.writesFile, `${line} ${Date.now()}\n`);
const store = new Proxy(redisStore, {
  get(target, property) {
    const value = Reflect.get(target, property, target);
    if (typeof value !== 'function') return value;
    if (property === 'acquireLease') {
      return async (input) => {
        const lease = await value.call(target, input);
        if (lease) writes(`acquireLease ${lease.runId} ${lease.epoch} - - ok ${pid}`);
        return lease;
      };
    }
    if (property === 'renewLease') {
      return async (lease, ttlMs) => {
        const renewed = await value.call(target, lease, ttlMs);
        if (!renewed) writes(`renewLease ${lease.runId} ${lease.epoch} - - lease_lost ${pid}`);
        return renewed;
      };
    }
    if (!FENCED.has(property)) return value.bind(target);
    return async (...args) => {
      const input = property === 'appendEvents' ? { runId: args[0], events: args[1], lease: args[2]?.lease } : args[0];
      const events = input.events ?? [];
      const range = events.length ? `${events[0].seq} ${events.at(-1).seq}` : '- -';
      try {
        const result = await value.apply(target, args);
        // finishRun on a run already terminal writes nothing and returns the recorded result (the contract).
        const wrote = property !== 'finishRun' || (result.endedAt === input.result.endedAt && result.stopReason === input.result.stopReason);
        writes(`${String(property)} ${input.runId} ${input.lease?.epoch ?? '-'} ${range} ${wrote ? 'ok' : 'existing'} ${pid}`);
        return result;
      } catch (error) {
        writes(`${String(property)} ${input.runId} ${input.lease?.epoch ?? '-'} ${range} ${error?.code ?? 'error'} ${pid}`);
        throw error;
      }
    };
  },
});

const runtime = createRuntime({ model, tools, store, leaseTtlMs: cfg.lockDurationMs, owner: `worker-${pid}`, limits: { maxSteps: 10 } });
const report = (line) => process.stdout.write(`${line}\n`);
const reporting = reportingRuntime(runtime, report);
const worker = createAgentWorker({
  runtime: reporting, url: cfg.url, name: cfg.queue, concurrency: cfg.concurrency,
  lockDurationMs: cfg.lockDurationMs, stalledIntervalMs: cfg.stalledIntervalMs, maxStalledCount: cfg.maxStalledCount,
});
await worker.worker.waitUntilReady();
// Every stalled check this worker makes (BullMQ's timer calls the method anew each time) appends
// `<pid> <started> <ended>` (Date.now()), so the test can tell the checks that could release a dead
// worker's job from how long a busy machine took to make them.
if (cfg.checksFile) {
  const check = worker.worker.moveStalledJobsToWait.bind(worker.worker);
  worker.worker.moveStalledJobsToWait = async () => {
    const started = Date.now();
    const moved = await check();
    appendFileSync(cfg.checksFile, `${pid} ${started} ${Date.now()}\n`);
    return moved;
  };
}
report('ready');
