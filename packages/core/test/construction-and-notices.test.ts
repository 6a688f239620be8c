import 'reflect-metadata';
import { AgentrtError, createRuntime, createRuntimeAsync, definePlugin, defineTool, MAX_TOOL_NOTICES, TOKENS, type Disposable, type ModelAdapter } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

/** A resource a plugin opened; records whether it was closed. */
const resource = () => {
  const state = { closed: 0 };
  const disposable: Disposable = { close: () => void state.closed++ };
  return { state, disposable };
};
const opener = (name: string, disposable: Disposable) => definePlugin({ name, register(container) {
  container.register(TOKENS.Disposable, { useValue: disposable });
} });
const failing = (name: string) => definePlugin({ name, async register() {
  throw new AgentrtError('plugin_broken', `${name} cannot start`);
} });
const until = async (check: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('failed construction closes what plugins opened', () => {
  it('createRuntimeAsync closes earlier plugins\' resources when a later plugin fails, then rethrows', async () => {
    const first = resource();
    const failingClose: Disposable = { close: () => Promise.reject(new Error('close failed')) };
    const second = resource();
    await expect(createRuntimeAsync({
      model: new ScriptedModel([]),
      plugins: [opener('first', first.disposable), opener('noisy', failingClose), opener('second', second.disposable), failing('third')],
    })).rejects.toMatchObject({ code: 'plugin_broken' });
    expect(first.state.closed).toBe(1);
    expect(second.state.closed).toBe(1);
  });

  it('createRuntimeAsync closes them when the assembled runtime is invalid (no model)', async () => {
    const first = resource();
    await expect(createRuntimeAsync({ plugins: [opener('first', first.disposable)] })).rejects.toMatchObject({ code: 'config_invalid', field: 'model' });
    expect(first.state.closed).toBe(1);
  });

  it('createRuntimeAsync closes them when plugin tools clash', async () => {
    const first = resource();
    const tool = defineTool({ name: 'same', description: 'd', input: z.object({}), execute: () => 'x' });
    const registersTool = (name: string) => definePlugin({ name, register(container) {
      container.register(TOKENS.Tool, { useValue: tool });
    } });
    await expect(createRuntimeAsync({ model: new ScriptedModel([]), plugins: [opener('first', first.disposable), registersTool('a'), registersTool('b')] })).rejects.toBeInstanceOf(AgentrtError);
    expect(first.state.closed).toBe(1);
  });

  it('createRuntime (sync) closes them in the background when a later plugin throws', async () => {
    const first = resource();
    const throws = definePlugin({ name: 'throws', register() {
      throw new AgentrtError('plugin_broken', 'nope');
    } });
    expect(() => createRuntime({ model: new ScriptedModel([]), plugins: [opener('first', first.disposable), throws] })).toThrow(AgentrtError);
    await until(() => first.state.closed === 1);
  });

  it('never closes resources registered in a parent container', async () => {
    const parent = rootContainer.createChildContainer();
    const shared = resource();
    parent.register(TOKENS.Disposable, { useValue: shared.disposable });
    await expect(createRuntimeAsync({ container: parent, model: new ScriptedModel([]), plugins: [failing('x')] })).rejects.toMatchObject({ code: 'plugin_broken' });
    const own = resource();
    await expect(createRuntimeAsync({ container: parent, model: new ScriptedModel([]), plugins: [opener('own', own.disposable), failing('x')] })).rejects.toMatchObject({ code: 'plugin_broken' });
    expect(own.state.closed).toBe(1);
    expect(shared.state.closed).toBe(0);
  });

  it('validates the runtime\'s own options before any plugin runs', async () => {
    const register = vi.fn();
    const spy = definePlugin({ name: 'spy', register });
    const model = new ScriptedModel([]);
    await expect(createRuntimeAsync({ model, limits: { maxSteps: -1 }, plugins: [spy] })).rejects.toMatchObject({ code: 'config_invalid', field: 'limits.maxSteps' });
    await expect(createRuntimeAsync({ model, toolPolicy: { deny: 'all' } as never, plugins: [spy] })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(createRuntimeAsync({ model, leaseTtlMs: 1, plugins: [spy] })).rejects.toMatchObject({ code: 'config_invalid', field: 'leaseTtlMs' });
    expect(() => createRuntime({ model, limits: { maxSteps: 0 }, plugins: [spy] })).toThrow(AgentrtError);
    // a cost cap needs a price for the model in use: known before plugins when the model is an adapter
    const priced: ModelAdapter = { provider: 'acme', model: 'unpriced', generate: () => Promise.reject(new Error('unused')) };
    await expect(createRuntimeAsync({ model: priced, limits: { maxCostUsd: 1 }, plugins: [spy] })).rejects.toMatchObject({ code: 'config_invalid', field: 'limits.maxCostUsd' });
    expect(register).not.toHaveBeenCalled();
  });

  it('still checks the price of a model a plugin provides, after the plugins, and closes their resources', async () => {
    const first = resource();
    const provides = definePlugin({ name: 'provides-model', register(container) {
      container.register(TOKENS.Disposable, { useValue: first.disposable });
      container.register(TOKENS.ModelAdapter, { useValue: { provider: 'acme', model: 'unpriced', generate: () => Promise.reject(new Error('unused')) } satisfies ModelAdapter });
    } });
    await expect(createRuntimeAsync({ limits: { maxCostUsd: 1 }, plugins: [provides] })).rejects.toMatchObject({ code: 'config_invalid', field: 'limits.maxCostUsd' });
    expect(first.state.closed).toBe(1);
  });
});

describe('tool progress and log notices', () => {
  it('records ctx.progress and ctx.log as redacted tool_progress / tool_log events, bounded per call', async () => {
    const canary = 'sk-agentrt-CANARY-abcdef0123456789';
    let late: (() => void) | undefined;
    const busy = defineTool({
      name: 'busy',
      description: 'reports progress',
      input: z.object({}),
      execute: (_args, ctx) => {
        ctx.progress?.({ progress: 1, total: 4, message: 'warming up' });
        ctx.progress?.({ progress: Number.NaN, total: Infinity, message: 'x'.repeat(5_000) });
        ctx.log?.({ level: 'warning', message: `token ${canary}` });
        ctx.log?.({ level: 'shout' as never, message: 'dropped: unknown level' });
        ctx.progress?.(null as never);
        for (let i = 0; i < MAX_TOOL_NOTICES + 50; i++) ctx.progress?.({ progress: i });
        late = () => ctx.progress?.({ message: 'after the call settled' });
        return 'done';
      },
    });
    const model = new ScriptedModel([ScriptedModel.call('busy'), ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, tools: [busy] });
    const result = await runtime.run('go');
    late?.();
    const events = await runtime.events(result.runId);
    const progress = events.filter((event) => event.type === 'tool_progress');
    const logs = events.filter((event) => event.type === 'tool_log');
    expect(progress.length + logs.length).toBe(MAX_TOOL_NOTICES);
    expect(progress[0]).toMatchObject({ stepIndex: 0, name: 'busy', progress: 1, total: 4, message: 'warming up' });
    expect(progress[1]).not.toHaveProperty('progress');
    expect(progress[1]).not.toHaveProperty('total');
    expect((progress[1] as { message: string }).message).toHaveLength(1_000);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'warning' });
    expect(JSON.stringify(events)).not.toContain(canary);
    expect(events.some((event) => event.type === 'tool_progress' && event.message === 'after the call settled')).toBe(false);
    // notices come before the call's result in the log
    const finished = events.findIndex((event) => event.type === 'tool_finished');
    expect(events.findIndex((event) => event.type === 'tool_progress')).toBeLessThan(finished);
  });

  it('streams tool_progress live', async () => {
    const slow = defineTool({
      name: 'slow',
      description: 'reports progress',
      input: z.object({}),
      execute: async (_args, ctx) => {
        ctx.progress?.({ progress: 1, total: 2 });
        await new Promise((resolve) => setTimeout(resolve, 5));
        ctx.progress?.({ progress: 2, total: 2 });
        return 'ok';
      },
    });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('slow'), ScriptedModel.answer('ok')]), tools: [slow] });
    const seen: string[] = [];
    for await (const event of runtime.stream('go')) if (event.type === 'tool_progress' || event.type === 'tool_finished') seen.push(`${event.type}:${'progress' in event ? event.progress : ''}`);
    expect(seen).toEqual(['tool_progress:1', 'tool_progress:2', 'tool_finished:']);
  });
});
