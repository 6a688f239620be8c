import { createRuntime, defineTool } from '@agentrt/core';
import { MemoryStore } from '@agentrt/store-memory';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

const crawl = defineTool({
  name: 'crawl', description: 'Slow work that honours its abort signal', input: z.object({ page: z.number() }),
  execute: ({ page }, ctx) => new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => resolve(`page ${page}`), 1_000);
    ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); });
  }),
});

export async function killSwitch() {
  const store = new MemoryStore(); // with SqliteStore/RedisStore this works across processes
  const worker = createRuntime({ model: new ScriptedModel([(_, i) => ScriptedModel.call('crawl', { page: i })], { whenExhausted: 'cycle' }), tools: [crawl], store, limits: { maxSteps: 50 } });
  const operator = createRuntime({ model: new ScriptedModel([]), store });

  const running = worker.run({ input: 'crawl everything', runId: 'crawl-1' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await worker.kill('crawl-1', 'runaway crawl'); // in-flight tool aborted at once
  const killed = await running; // stopReason 'killed', stopDetail 'runaway crawl'

  await operator.killAll('incident 7'); // incident stop: new runs are refused…
  const refused = await worker.run('more work'); // …recorded as 'killed' without a model call
  await operator.clearKill();
  return { killed, refused };
}
