import { getEventListeners } from 'node:events';
import { createRuntime, defineTool, MemoryStore, type ToolMessage } from '@agentrt/core';
import { SlidingWindow } from '@agentrt/context';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const seen = (runId: string) => defineTool({ name: 'whoami', description: 'reports the run it serves', input: z.object({ step: z.number() }), execute: async ({ step }, ctx) => {
  await new Promise((r) => setTimeout(r, Math.random() * 5));
  return `${ctx.runId}:${step}`;
} });

describe('load (RELIABILITY L-01, L-02, L-03, L-07)', () => {
  it('200 concurrent 20-step runs: all finish, each tool call sees its own run (L-01)', async () => {
    const store = new MemoryStore();
    const runs = Array.from({ length: 200 }, (_, r) => {
      let step = 0;
      const model = new ScriptedModel([() => (step < 19 ? ScriptedModel.call('whoami', { step: step++ }) : ScriptedModel.answer('done'))], { whenExhausted: 'cycle' });
      const runtime = createRuntime({ model, tools: [seen('x')], store, loopDetection: false, limits: { maxSteps: 25 } });
      return runtime.run({ input: `run ${r}`, runId: `load-${r}` }).then((result) => ({ result, model }));
    });
    const outcomes = await Promise.all(runs);
    for (const { result, model } of outcomes) {
      expect(result).toMatchObject({ stopReason: 'final_answer', steps: 20, toolCalls: 19 });
      const contents = model.requests.at(-1)!.messages.filter((m) => m.role === 'tool').map((m) => (m as ToolMessage).content as string);
      expect(contents.every((c) => c.startsWith(`${result.runId}:`))).toBe(true);
    }
    for (const { result } of outcomes.slice(0, 20)) await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('a 10,000-step run makes exactly 10,000 model calls with bounded requests (L-02)', async () => {
    let n = 0;
    let largest = 0;
    const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number() }), execute: ({ a }) => a + 1 });
    const model = {
      provider: 'scripted', model: 'long',
      async generate(request: { messages: readonly unknown[] }) {
        largest = Math.max(largest, request.messages.length);
        n++;
        return { message: { role: 'assistant' as const, content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' as const };
      },
    };
    const store = new MemoryStore();
    const result = await createRuntime({ model, tools: [add], store, context: new SlidingWindow({ maxMessages: 12 }), limits: { maxSteps: 10_000, maxToolCalls: 10_000, timeoutMs: 120_000 } }).run({ input: 'count', runId: 'long' });
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 10_000 });
    expect(n).toBe(10_000);
    expect(largest).toBeLessThanOrEqual(12);
    expect((await store.listEvents('long')).length).toBeGreaterThan(50_000);
  }, 120_000);

  it('leaves no abort listeners or active runs behind after 1,000 runs with a caller signal (L-03)', async () => {
    const controller = new AbortController();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('whoami', { step: 1 }), ScriptedModel.answer('ok')], { whenExhausted: 'cycle' }), tools: [seen('x')], store: new MemoryStore() });
    for (let i = 0; i < 1_000; i++) await runtime.run({ input: `r${i}`, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(await runtime.listRuns({ status: 'running' })).toEqual([]);
  });

  it('killAll stops 500 active runs promptly; no model or tool call starts after it (L-07)', async () => {
    const store = new MemoryStore();
    let inFlight = 0;
    const slow = defineTool({ name: 'slow', description: 's', input: z.object({ i: z.number() }), execute: (_a, ctx) => new Promise((resolve, reject) => {
      inFlight++;
      const timer = setTimeout(resolve, 10_000);
      ctx.signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('aborted')); }, { once: true });
    }) });
    let i = 0;
    const model = new ScriptedModel([() => ScriptedModel.call('slow', { i: i++ })], { whenExhausted: 'cycle' });
    const runtime = createRuntime({ model, tools: [slow], store, limits: { maxSteps: 100 } });
    const runs = Array.from({ length: 500 }, (_, r) => runtime.run({ input: 'go', runId: `k-${r}` }));
    await waitFor(() => inFlight === 500, { timeoutMs: 30_000, message: 'all 500 runs have a tool in flight' });
    const callsAtKill = model.calls;
    const started = Date.now();
    await runtime.killAll('incident');
    const results = await Promise.all(runs);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(results.every((r) => r.stopReason === 'killed')).toBe(true);
    expect(model.calls).toBe(callsAtKill);
    await runtime.clearKill();
  });
});

describe('odd tool outputs (B-09)', () => {
  it.each([
    ['a Buffer', () => Buffer.alloc(1_000_000), (m: ToolMessage) => expect(m.content).toContain('binary data: 1000000 bytes')],
    ['a circular object', () => { const o: Record<string, unknown> = {}; o.self = o; return o; }, (m: ToolMessage) => expect(m.code).toBe('tool_failed')],
    ['a million-element array', () => Array.from({ length: 1_000_000 }, (_, i) => i), (m: ToolMessage) => { expect(m.code).toBe('tool_output_truncated'); expect(m.content.length).toBeLessThanOrEqual(32_768); }],
    ['undefined', () => undefined, (m: ToolMessage) => expect(m).toMatchObject({ content: '' })],
  ])('handles %s', async (_label, execute, check) => {
    const odd = defineTool({ name: 'odd', description: 'o', input: z.object({}), execute: execute as () => unknown });
    const model = new ScriptedModel([ScriptedModel.call('odd'), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, tools: [odd] }).run('go');
    expect(result.stopReason).toBe('final_answer');
    check(model.requests[1]!.messages.at(-1) as ToolMessage);
  });
});
