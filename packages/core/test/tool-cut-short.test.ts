import { createRuntime, defineTool, MemoryStore, type StoredRunEvent, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel, waitFor } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** A tool that runs until its signal aborts (or 30 s), counting starts. */
function hangingTool(name: string) {
  const state = { started: 0 };
  const tool = defineTool({
    name,
    description: 'waits for its signal',
    input: z.object({ n: z.number() }),
    execute: (_args, ctx) => new Promise<string>((resolve, reject) => {
      state.started++;
      const timer = setTimeout(() => resolve('finished'), 30_000);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      }, { once: true });
    }),
  });
  return { tool, state };
}
const quick = defineTool({ name: 'quick', description: 'answers at once', input: z.object({ n: z.number() }), execute: ({ n }) => `quick ${n}` });

const toolEvents = (events: StoredRunEvent[]) => events.filter((e) => e.type === 'tool_started' || e.type === 'tool_finished').map((e) => (e.type === 'tool_finished' ? `${e.type} ${e.toolCallId} ${e.code ?? 'ok'}` : `${e.type} ${e.toolCallId}`));
const toolResults = async (store: MemoryStore, runId: string) => (await store.loadSteps(runId)).flatMap((s) => s.messages).filter((m): m is ToolMessage => m.role === 'tool');

describe('a started tool call the run stop cuts short is audited as finished', () => {
  it('kill mid-tool: tool_finished with tool_cancelled ends the tool_started; the transcript says it was cut short while running', async () => {
    const { tool, state } = hangingTool('hang');
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('hang', { n: 1 }), ScriptedModel.answer('never')]), tools: [tool], store });
    const running = runtime.run({ input: 'go', runId: 'killed' });
    await waitFor(() => state.started === 1, { message: 'the tool started' });
    await runtime.kill('killed', 'operator');
    const result = await running;
    expect(result).toMatchObject({ stopReason: 'killed', status: 'stopped' });
    const events = await store.listEvents('killed');
    expect(toolEvents(events)).toEqual(['tool_started c0', 'tool_finished c0 tool_cancelled'].map((line) => line.replace('c0', events.find((e) => e.type === 'tool_started')!.toolCallId)));
    const finished = events.find((e) => e.type === 'tool_finished')!;
    expect(finished).toMatchObject({ isError: true, code: 'tool_cancelled' });
    expect((finished as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    const [message] = await toolResults(store, 'killed');
    expect(message).toMatchObject({ isError: true, code: 'tool_cancelled' });
    expect(message!.content).toContain('cut short while running');
    expect(message!.content).not.toContain('not run');
    await assertRunInvariants({ store, runId: 'killed', result });
  });

  it("the run's timeout mid-tool: tool_finished with tool_timeout", async () => {
    const { tool } = hangingTool('hang');
    const store = new MemoryStore();
    const result = await createRuntime({ model: new ScriptedModel([ScriptedModel.call('hang', { n: 1 }), ScriptedModel.answer('never')]), tools: [tool], store, limits: { timeoutMs: 300 } }).run({ input: 'go', runId: 'timed-out' });
    expect(result.stopReason).toBe('timeout');
    const events = await store.listEvents('timed-out');
    expect(events.filter((e) => e.type === 'tool_finished')).toEqual([expect.objectContaining({ isError: true, code: 'tool_timeout' })]);
    const [message] = await toolResults(store, 'timed-out');
    expect(message).toMatchObject({ code: 'tool_timeout' });
    expect(message!.content).toContain('cut short while running');
    await assertRunInvariants({ store, runId: 'timed-out', result });
  });

  it('parallel calls, one at a time: the finished one keeps its result, the running one is cut short, the one never started says so and has no events', async () => {
    const { tool, state } = hangingTool('hang');
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.parallel([{ name: 'quick', args: { n: 1 } }, { name: 'hang', args: { n: 2 } }, { name: 'quick', args: { n: 3 } }]), ScriptedModel.answer('never')]);
    const runtime = createRuntime({ model, tools: [tool, quick], store, limits: { toolConcurrency: 1 } });
    const running = runtime.run({ input: 'go', runId: 'parallel' });
    await waitFor(() => state.started === 1, { message: 'the hanging call started' });
    await runtime.kill('parallel', 'operator');
    const result = await running;
    expect(result.stopReason).toBe('killed');
    const messages = await toolResults(store, 'parallel');
    expect(messages.map((m) => [m.code ?? 'ok', typeof m.content === 'string' && m.content.includes('cut short while running'), typeof m.content === 'string' && m.content.includes('not run')])).toEqual([
      ['ok', false, false],
      ['tool_cancelled', true, false],
      ['tool_cancelled', false, true],
    ]);
    const events = await store.listEvents('parallel');
    const third = messages[2]!.toolCallId;
    expect(events.some((e) => 'toolCallId' in e && e.toolCallId === third && (e.type === 'tool_started' || e.type === 'tool_finished'))).toBe(false);
    expect(toolEvents(events).filter((line) => line.startsWith('tool_finished')).map((line) => line.split(' ')[2])).toEqual(['ok', 'tool_cancelled']);
    await assertRunInvariants({ store, runId: 'parallel', result });
  });

  it('a hook that throws after the tool ran fails the run; the audit still ends the call (hook_failed)', async () => {
    const store = new MemoryStore();
    const result = await createRuntime({
      model: new ScriptedModel([ScriptedModel.call('quick', { n: 1 }), ScriptedModel.answer('never')]),
      tools: [quick],
      store,
      hooks: [{ afterTool: () => { throw new Error('hook broke'); } }],
    }).run({ input: 'go', runId: 'hook' });
    expect(result.stopReason).toBe('error');
    const events = await store.listEvents('hook');
    expect(events.filter((e) => e.type === 'tool_finished')).toEqual([expect.objectContaining({ isError: true, code: 'hook_failed' })]);
    await assertRunInvariants({ store, runId: 'hook', result });
  });
});
