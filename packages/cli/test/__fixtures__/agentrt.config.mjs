// CLI test config: a deterministic model (it decides from the conversation, so separate
// processes continue a run consistently) and a few tools. The store path comes from the test.
import { defineTool } from '@agentrt/core';
import { z } from 'zod';

const tools = [
  defineTool({ name: 'add', description: 'Adds two numbers', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b }),
  defineTool({ name: 'pay', description: 'Pays an invoice', input: z.object({ cents: z.number() }), sideEffects: 'non-idempotent', requiresApproval: true, execute: ({ cents }) => `paid ${cents}` }),
  defineTool({
    name: 'wait', description: 'Waits', input: z.object({ ms: z.number() }),
    execute: ({ ms }, ctx) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve('waited'), ms);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
    }),
  }),
  defineTool({ name: 'lookup', description: 'Looks up a config value', input: z.object({}), execute: () => 'api_key=sk-agentrt-CANARY-0123456789abcdef' }),
  defineTool({ name: 'render', description: 'Returns hostile HTML', input: z.object({ html: z.string() }), execute: ({ html }) => html }),
  defineTool({ name: 'send', description: 'Sends a note (needs approval)', input: z.object({ to: z.string(), note: z.string() }), requiresApproval: true, execute: ({ to }) => `sent to ${to}` }),
];

/** Hostile markup a tool returns: the console and the HTML trace must show it as text, never run it. */
export const XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>"\'><svg onload="window.__xss=3">';
/** A secret in tool-call args: pending approvals keep raw args, so the console must redact them itself. */
export const CANARY = 'sk-agentrt-CANARY-0123456789abcdef';

const model = {
  provider: 'scripted',
  model: 'cli-fixture',
  async generate(request) {
    const task = request.messages.find((m) => m.role === 'user')?.content ?? '';
    const results = request.messages.filter((m) => m.role === 'tool');
    const step = request.messages.filter((m) => m.role === 'assistant').length;
    const call = (name, args) => ({ message: { role: 'assistant', content: '', toolCalls: [{ id: `${name}-${step}`, name, args }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' });
    const answer = (text) => ({ message: { role: 'assistant', content: text }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'stop' });
    if (task.startsWith('add')) return results.length ? answer(`The sum is ${results[0].content}.`) : call('add', { a: 2, b: 3 });
    if (task.startsWith('pay')) return results.length ? answer(`Done: ${results[0].content}.`) : call('pay', { cents: 500 });
    if (task.startsWith('leak')) return results.length ? answer('looked it up') : call('lookup', {});
    if (task.startsWith('xss')) return results.length ? answer(`rendered: ${results[0].content}`) : call('render', { html: XSS });
    if (task.startsWith('secret')) return results.length ? answer(`Done: ${results[0].content}.`) : call('send', { to: 'ops', note: `use ${CANARY}` });
    if (task.startsWith('think')) return { message: { role: 'assistant', content: 'Forty-two.', reasoning: [{ text: 'The user wants a number; 6 × 7 = 42.' }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'stop' };
    return call('wait', { ms: 150 });
  },
};

export default {
  model,
  tools,
  store: { type: 'sqlite', path: process.env.AGENTRT_TEST_DB },
  limits: { maxSteps: 200, maxToolCalls: 200, timeoutMs: 60_000 },
  loopDetection: false,
};
