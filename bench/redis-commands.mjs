// Counts the Redis commands and socket writes (round trips) per step of an agentrt run on RedisStore.
// `node bench/redis-commands.mjs` after `pnpm build` (Redis at REDIS_URL, default 127.0.0.1:6379).
// Commands are counted with MONITOR on a second connection, filtered by a fresh key prefix; writes
// are the batches the store's command connection hands to its socket (one batch = one round trip
// when the loop waits for its answer, which it does for every store call it awaits).
import { createRuntime, defineTool } from '@agentrt/core';
import { RedisStore } from '@agentrt/store-redis';
import { Redis } from 'ioredis';
import { z } from 'zod';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const STEPS = Number(process.env.BENCH_STEPS ?? 50);
const input = z.object({ a: z.number(), b: z.number() });
const tools = {
  idempotent: defineTool({ name: 'add', description: 'Adds', input, sideEffects: 'idempotent', execute: ({ a, b }) => a + b }),
  none: defineTool({ name: 'add', description: 'Adds', input, sideEffects: 'none', execute: ({ a, b }) => a + b }),
  'non-idempotent': defineTool({ name: 'add', description: 'Adds', input, sideEffects: 'non-idempotent', execute: ({ a, b }) => a + b }),
};
const model = () => {
  let n = 0;
  return { provider: 'bench', model: 'bench-1', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' }; } };
};

async function count(steps, tool) {
  const prefix = `agentrt-cmdcount:${process.pid}:${Math.random().toString(36).slice(2)}:`;
  const monitor = new Redis(REDIS_URL);
  const lines = [];
  const mon = await monitor.monitor();
  mon.on('monitor', (_time, args, source) => { if (args.some((a) => String(a).startsWith(prefix))) lines.push({ args, lua: String(source).includes('lua') }); });
  const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix });
  const runtime = createRuntime({ model: model(), tools: [tool], store, loopDetection: false, limits: { maxSteps: steps, maxToolCalls: steps, maxTokens: 1e12, timeoutMs: 3_600_000 } });
  // Warm up the connection (and the script cache) with a run of one step; count the second run.
  await createRuntime({ model: model(), tools: [tool], store, loopDetection: false, limits: { maxSteps: 1 } }).run({ input: 'go', runId: 'warm' });
  const client = store['redis'];
  let writes = 0;
  let bytes = 0;
  const write = client.stream.write.bind(client.stream);
  client.stream.write = (...args) => { writes++; bytes += Buffer.byteLength(args[0]); return write(...args); };
  const from = lines.length;
  const result = await runtime.run({ input: 'go', runId: 'counted' });
  if (result.stopReason !== 'max_steps') throw new Error(result.stopReason);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const counted = lines.slice(from);
  const byName = {};
  let sent = 0;
  for (const { args, lua } of counted) {
    if (lua) continue;
    sent++;
    const name = String(args[0]).toUpperCase();
    byName[name] = (byName[name] ?? 0) + 1;
  }
  await store.close();
  mon.disconnect();
  monitor.disconnect();
  const cleanup = new Redis(REDIS_URL);
  const keys = await cleanup.keys(`${prefix}*`);
  if (keys.length) await cleanup.del(...keys);
  cleanup.disconnect();
  return { bytes: bytes / steps, commands: sent / steps, inScripts: (counted.length - sent) / steps, writes: writes / steps, byName: Object.fromEntries(Object.entries(byName).map(([k, v]) => [k, +(v / steps).toFixed(2)])) };
}

for (const [name, tool] of Object.entries(tools)) {
  const r = await count(STEPS, tool);
  console.log(`tool sideEffects=${name.padEnd(15)} ${r.commands.toFixed(2)} commands sent/step (+${r.inScripts.toFixed(1)} inside scripts) · ${r.writes.toFixed(2)} socket writes (round trips)/step · ${r.bytes.toFixed(0)} B sent/step · ${JSON.stringify(r.byName)}`);
}
