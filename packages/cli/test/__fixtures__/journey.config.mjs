// Journey test config: a scripted model that decides from the task, tools for approvals, crashes
// and long traces, and a lease time taken from the environment (crash-resume waits it out).
import { defineTool } from '@agentrt/core';
import { z } from 'zod';

const tools = [
  defineTool({ name: 'pay', description: 'Pays (needs approval)', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: ({ cents }) => `paid ${cents}` }),
  defineTool({
    name: 'slow', description: 'Waits', input: z.object({ ms: z.number() }),
    execute: ({ ms }, ctx) => new Promise((resolve, reject) => {
      // After a crash the resumed call is quick: the test only needs the first one to be in flight.
      const timer = setTimeout(() => resolve('slept'), process.env.AGENTRT_TEST_RESUMED ? 1 : ms);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
    }),
  }),
  defineTool({ name: 'blob', description: 'Returns 8 KB', input: z.object({ n: z.number() }), execute: ({ n }) => `${n} ${'x'.repeat(8192)}` }),
];

const usage = { inputTokens: 10, outputTokens: 5 };
const model = {
  provider: 'scripted',
  model: 'journey',
  async generate(request) {
    const task = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const results = request.messages.filter((m) => m.role === 'tool');
    const call = (id, name, args) => ({ message: { role: 'assistant', content: '', toolCalls: [{ id, name, args }] }, usage, finishReason: 'tool_calls' });
    const answer = (text) => ({ message: { role: 'assistant', content: text }, usage, finishReason: 'stop' });
    // `pay <call id>`: the model picks the call id (it may start with a dash).
    if (task.startsWith('pay')) return results.length ? answer(`done: ${results[0].content}`) : call(task.split(' ')[1] ?? 'pay-0', 'pay', { cents: 500 });
    if (task.startsWith('slow')) return results.length ? answer(`done: ${results[0].content}`) : call('slow-0', 'slow', { ms: 600_000 });
    // `blobs N`: N steps, each returning 8 KB (a long trace).
    if (task.startsWith('blobs')) return results.length >= Number(task.split(' ')[1]) ? answer('enough') : call(`blob-${results.length}`, 'blob', { n: results.length });
    return answer('hello');
  },
};

export default {
  model,
  tools,
  store: { type: 'sqlite', path: process.env.AGENTRT_TEST_DB },
  limits: { maxSteps: 100, maxToolCalls: 100, timeoutMs: 600_000 },
  loopDetection: false,
  leaseTtlMs: Number(process.env.AGENTRT_TEST_LEASE_MS ?? 30_000),
};
