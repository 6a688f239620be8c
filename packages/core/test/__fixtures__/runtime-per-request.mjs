// A runtime made per request on one long-lived store, never closed (built code, --expose-gc).
// Prints the store's kill listeners still subscribed and the heap growth after N such runtimes.
// Usage: node --expose-gc runtime-per-request.mjs [runtimes]
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { z } from 'zod';

const N = Number(process.argv[2] ?? 3000);
const add = defineTool({ name: 'add', description: 'adds', input: z.object({ n: z.number() }), execute: ({ n }) => n + 1 });
const model = {
  provider: 'plain',
  model: 'plain',
  async generate(request) {
    return request.messages.length < 3
      ? { message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'add', args: { n: 1 } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }
      : { message: { role: 'assistant', content: 'ok' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
  },
};
/** A MemoryStore that counts the kill listeners subscribed to it. */
class CountingStore extends MemoryStore {
  listeners = 0;
  subscribeKills(listener) {
    this.listeners++;
    const unsubscribe = super.subscribeKills(listener);
    let done = false;
    return () => {
      if (!done) this.listeners--;
      done = true;
      unsubscribe();
    };
  }
}
const store = new CountingStore({ maxFinishedRuns: 10 });
const settle = async () => {
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
};
const request = async () => {
  const result = await createRuntime({ model, tools: [add], store }).run('go');
  if (result.stopReason !== 'final_answer') throw new Error(result.stopReason);
};
for (let i = 0; i < 100; i++) await request();
const baseline = await settle();
for (let i = 0; i < N; i++) {
  await request();
  if (i % 500 === 499) await new Promise((resolve) => setTimeout(resolve, 0)); // a server yields between requests
}
const growthMb = (await settle()) - baseline;
// One runtime kept: it still gets kills pushed while its run is in flight.
const kept = createRuntime({
  model: { provider: 'p', model: 'm', generate: (request) => new Promise((_resolve, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true })) },
  store,
});
const running = kept.run({ input: 'hold', runId: 'kept' });
while (store.listeners === 0) await new Promise((resolve) => setTimeout(resolve, 5));
// Killed through another runtime on the store: only the store's push reaches the call in flight.
await createRuntime({ model, store }).kill('kept', 'from the test');
const killed = await running;
console.log(JSON.stringify({ listeners: store.listeners, growthMb: Math.round(growthMb * 10) / 10, killed: killed.stopReason }));
