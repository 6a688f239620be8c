/**
 * A `beforeModel` hook written in JavaScript may ignore `readonly` and edit the request's messages
 * in place instead of returning a replacement. Such an edit is checked like a replacement: paired
 * again (an orphaned tool result is a 400 at every provider), and budgets see the messages whole.
 * The run's own history is never changed by it.
 */
import { createRuntime, defineTool, MemoryStore, type Message, type RunEvent } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const add = defineTool({ name: 'add', description: 'adds', input: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });

/** Tool results that do not follow an assistant message calling their id. */
function orphans(messages: readonly Message[]): string[] {
  const open = new Set<string>();
  const found: string[] = [];
  for (const message of messages) {
    if (message.role === 'assistant') {
      open.clear();
      for (const call of message.toolCalls ?? []) open.add(call.id);
    } else if (message.role === 'tool') {
      if (!open.delete(message.toolCallId)) found.push(message.toolCallId);
    }
  }
  return found;
}

describe('beforeModel edits made in place', () => {
  it('a tool result orphaned in place is repaired before the call, and the history keeps its pair', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    const store = new MemoryStore();
    const events: RunEvent[] = [];
    const runtime = createRuntime({
      model, store, tools: [add],
      hooks: [{
        beforeModel(request, context) {
          // Drops the assistant message that made the call, leaving its result behind.
          if (context.stepIndex === 1) (request.messages as Message[]).splice(1, 1);
        },
        onEvent: (event) => void events.push(event),
      }],
    });
    const result = await runtime.run('add 1 and 2');
    expect(result).toMatchObject({ status: 'completed', output: 'done' });
    const sent = model.requests[1]!.messages;
    expect(orphans(sent)).toEqual([]);
    expect(sent.map((m) => m.role)).toEqual(['user']);
    const second = events.find((e) => e.type === 'model_request' && e.stepIndex === 1);
    expect(second).toMatchObject({ repairedPairs: 1, messageCount: 1 });
    // The run's history and its records are untouched: the call and its result stay paired.
    const steps = await store.loadSteps(result.runId);
    expect(steps[0]!.messages.map((m) => m.role)).toEqual(['assistant', 'tool']);
  });

  it('a message pushed in place counts against the token budget (the call is not made)', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('never sent')]);
    const runtime = createRuntime({
      model, store: new MemoryStore(), limits: { maxTokens: 2_000 },
      hooks: [{ beforeModel(request) { (request.messages as Message[]).push({ role: 'user', content: 'x'.repeat(200_000) }); } }],
    });
    const result = await runtime.run('hi');
    expect(result.stopReason).toBe('token_budget');
    expect(model.requests).toHaveLength(0);
  });

  it('an element replaced in place (same length) is seen too', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({
      model, store: new MemoryStore(), tools: [add],
      hooks: [{
        beforeModel(request, context) {
          // The assistant message is swapped for plain text: its call's result is left orphaned.
          if (context.stepIndex === 1) (request.messages as Message[])[1] = { role: 'assistant', content: 'I will add them.' };
        },
      }],
    });
    const result = await runtime.run('add 1 and 2');
    expect(result.status).toBe('completed');
    expect(orphans(model.requests[1]!.messages)).toEqual([]);
  });

  it('a hook that leaves the messages alone costs no repair and sends the history as it is', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    const events: RunEvent[] = [];
    const runtime = createRuntime({ model, store: new MemoryStore(), tools: [add], hooks: [{ beforeModel() {}, onEvent: (event) => void events.push(event) }] });
    await runtime.run('add 1 and 2');
    expect(model.requests[1]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(events.filter((e) => e.type === 'model_request').map((e) => (e as { repairedPairs: number }).repairedPairs)).toEqual([0, 0]);
  });
});

describe('beforeModel writes into the request it was given', () => {
  it.each([
    ['messages set to a number', (request: { messages: unknown }) => { request.messages = 5; }],
    ['messages set to null', (request: { messages: unknown }) => { request.messages = null; }],
    ['a null pushed into messages', (request: { messages: unknown }) => { (request.messages as unknown[]).push(null); }],
  ])('%s fails the run with hook_failed, the model not called', async (_name, edit) => {
    const model = new ScriptedModel([ScriptedModel.answer('never sent')]);
    const runtime = createRuntime({ model, store: new MemoryStore(), hooks: [{ beforeModel: (request) => void edit(request as unknown as { messages: unknown }) }] });
    const result = await runtime.run('hi');
    expect(result).toMatchObject({ status: 'failed', error: { code: 'hook_failed' } });
    expect(result.error?.message).toMatch(/beforeModel/);
    expect(model.requests).toHaveLength(0);
  });

  it('messages replaced by assignment are used, paired and budgeted like a returned request', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const runtime = createRuntime({
      model, store: new MemoryStore(),
      hooks: [{ beforeModel: (request) => void ((request as unknown as { messages: Message[] }).messages = [{ role: 'user', content: 'rewritten' }, { role: 'tool', toolCallId: 'x', name: 'add', content: 'orphan' }]) }],
    });
    const result = await runtime.run('hi');
    expect(result.status).toBe('completed');
    expect(model.requests[0]!.messages).toEqual([{ role: 'user', content: 'rewritten' }]);
  });
});

describe('afterModel writes into the response it was given', () => {
  it.each([
    ['a tool call without a name pushed', (response: { message: { toolCalls?: unknown[] } }) => { (response.message.toolCalls ??= []).push({ id: 'z', name: 5, args: {} }); }],
    ['content set to a number', (response: { message: { content: unknown } }) => { response.message.content = 7; }],
    ['the message removed', (response: { message?: unknown }) => { delete response.message; }],
  ])('%s fails the run with hook_failed', async (_name, edit) => {
    const model = new ScriptedModel([ScriptedModel.answer('fine')]);
    const runtime = createRuntime({ model, store: new MemoryStore(), hooks: [{ afterModel: (response) => void edit(response as never) }] });
    const result = await runtime.run('hi');
    expect(result).toMatchObject({ status: 'failed', error: { code: 'hook_failed' } });
    expect(result.error?.message).toMatch(/afterModel/);
  });

  it('usage a hook writes into the response is not what the run counts', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('fine', { inputTokens: 7, outputTokens: 3 })]);
    const runtime = createRuntime({ model, store: new MemoryStore(), hooks: [{ afterModel: (response) => void ((response as { usage: unknown }).usage = { inputTokens: 0, outputTokens: 0 }) }] });
    const result = await runtime.run('hi');
    expect(result.status).toBe('completed');
    expect(result.usage).toMatchObject({ inputTokens: 7, outputTokens: 3 });
  });
});

describe('tool hooks that write into what they are shown', () => {
  const bounded = defineTool({ name: 'bounded', description: 'takes n ≤ 10', input: z.object({ n: z.number().max(10) }), execute: ({ n }) => `ran with ${n}` });

  it('beforeTool args edited in place are validated like returned args (no way around the schema)', async () => {
    const model = new ScriptedModel([ScriptedModel.call('bounded', { n: 1 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store: new MemoryStore(), tools: [bounded], hooks: [{ beforeTool: (info) => void ((info.args as { n: number }).n = 1_000) }] });
    const result = await runtime.run('go');
    expect(result.status).toBe('completed');
    const tool = model.requests[1]!.messages.find((m) => m.role === 'tool');
    expect(tool).toMatchObject({ isError: true, code: 'tool_args_invalid' });
  });

  it('beforeTool args edited in place to valid values are used (the edit is honoured, then validated)', async () => {
    const model = new ScriptedModel([ScriptedModel.call('bounded', { n: 1 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, store: new MemoryStore(), tools: [bounded], hooks: [{ beforeTool: (info) => void ((info.args as { n: number }).n = 7) }] });
    await runtime.run('go');
    expect(model.requests[1]!.messages.find((m) => m.role === 'tool')).toMatchObject({ content: 'ran with 7' });
  });

  it('an afterTool hook writing into the result cannot move it to another call or put in malformed content', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({
      model, store: new MemoryStore(), tools: [add],
      hooks: [{ afterTool: (result) => { const r = result as { toolCallId: string; content: unknown }; r.toolCallId = 'someone-else'; r.content = [{ type: 'image', data: 5 }]; } }],
    });
    const result = await runtime.run('go');
    expect(result.status).toBe('completed');
    const tool = model.requests[1]!.messages.find((m) => m.role === 'tool');
    expect(tool).toMatchObject({ toolCallId: 'c1', isError: true });
    expect(orphans(model.requests[1]!.messages)).toEqual([]);
  });

  it('the common pattern of editing the result and returning it keeps working', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({
      model, store: new MemoryStore(), tools: [add],
      hooks: [{ afterTool: (result) => { (result as { content: string }).content = `sum: ${String(result.content)}`; return result; } }],
    });
    await runtime.run('go');
    expect(model.requests[1]!.messages.find((m) => m.role === 'tool')).toMatchObject({ toolCallId: 'c1', content: 'sum: 3' });
  });
});

describe('the transcript hooks are shown at the start of a drive', () => {
  it('an onRunStart hook cannot push into the run history (the model is sent only what the run recorded)', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const runtime = createRuntime({
      model, store: new MemoryStore(),
      hooks: [{ onRunStart: (context) => void (context.messages as Message[]).push({ role: 'user', content: 'injected' }) }],
    });
    const result = await runtime.run('hi');
    // Pushing into a frozen array throws: the hook fails loudly instead of editing the run in secret.
    expect(result).toMatchObject({ status: 'failed', error: { code: 'hook_failed' } });
    expect(model.requests).toHaveLength(0);
  });

  it('a wrapRun hook sees the transcript as the drive starts; the run history grows apart from it', async () => {
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 1, b: 2 }, { id: 'c1' }), ScriptedModel.answer('done')]);
    let seen: readonly Message[] = [];
    const runtime = createRuntime({ model, store: new MemoryStore(), tools: [add], hooks: [{ wrapRun: async (info, next) => { seen = info.messages; return next(); } }] });
    const result = await runtime.run('go');
    expect(result.status).toBe('completed');
    expect(seen.map((m) => m.role)).toEqual(['user']);
    expect(Object.isFrozen(seen)).toBe(true);
    expect(model.requests[1]!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
  });
});
