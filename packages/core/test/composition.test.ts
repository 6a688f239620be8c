import 'reflect-metadata';
import { AgentRuntime, AgentrtError, ConfigError, createRuntime, createRuntimeAsync, definePlugin, defineTool, MemoryStore, resolveAll, TOKENS } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { container as rootContainer } from 'tsyringe';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { add } from './helpers.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return AgentrtError.isInstance(error) ? `${error.code}:${(error as ConfigError).field ?? ''}` : String(error);
  }
  return undefined;
};

describe('composition', () => {
  it('resolves AgentRuntime from a user-built tsyringe container', async () => {
    const container = rootContainer.createChildContainer();
    const model = new ScriptedModel([ScriptedModel.call('add', { a: 2, b: 2 }), ScriptedModel.answer('4')]);
    container.register(TOKENS.ModelAdapter, { useValue: model });
    container.register(TOKENS.StateStore, { useValue: new MemoryStore() });
    container.register(TOKENS.Tool, { useValue: add });
    container.register(TOKENS.RuntimeConfig, { useValue: { limits: { maxSteps: 3 } } });
    const runtime = container.resolve(AgentRuntime);
    const result = await runtime.run('2+2');
    expect(result).toMatchObject({ stopReason: 'final_answer', output: '4' });
    expect(runtime.config.limits.maxSteps).toBe(3);
  });

  it('lets plugins register tools, hooks and stop policies; tokens are shared via Symbol.for', async () => {
    const seen: string[] = [];
    const plugin = definePlugin({
      name: '@acme/tools',
      register(container) {
        container.register(TOKENS.Tool, { useValue: defineTool({ name: 'shout', description: 's', input: z.object({ text: z.string() }), execute: ({ text }) => text.toUpperCase() }) });
        container.register(TOKENS.Hook, { useValue: { afterTool: (r: { content: string }) => void seen.push(r.content) } });
      },
    });
    const model = new ScriptedModel([ScriptedModel.call('shout', { text: 'hi' }), ScriptedModel.answer('done')]);
    const runtime = createRuntime({ model, tools: [add], plugins: [plugin] });
    await runtime.run('go');
    expect(model.requests[0]!.tools.map((t) => t.name)).toEqual(['add', 'shout']);
    expect(seen).toEqual(['HI']);
    expect(TOKENS.Tool).toBe(Symbol.for('agentrt.Tool'));
  });

  it('awaits async plugins with createRuntimeAsync and rejects them in createRuntime', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const plugin = definePlugin({ name: 'slow-plugin', register: async (c) => { await new Promise((r) => setTimeout(r, 5)); c.register(TOKENS.Tool, { useValue: add }); } });
    expect(codeOf(() => createRuntime({ model, plugins: [plugin] }))).toBe('config_invalid:plugins');
    const runtime = await createRuntimeAsync({ model, plugins: [plugin] });
    await runtime.run('x');
    expect(model.requests[0]!.tools.map((t) => t.name)).toEqual(['add']);
  });

  it('resolveAll returns [] when nothing is registered', () => {
    expect(resolveAll(rootContainer.createChildContainer(), TOKENS.Tool)).toEqual([]);
  });

  it('AgentrtError.isInstance works without instanceof (duplicate installs)', () => {
    const foreign = Object.assign(new Error('x'), { code: 'x' });
    expect(AgentrtError.isInstance(foreign)).toBe(false);
    expect(AgentrtError.isInstance(new ConfigError('a', 'b'))).toBe(true);
  });
});

describe('invalid config fails fast with the field named', () => {
  const model = new ScriptedModel([]);
  it.each([
    [{ model, limits: { maxSteps: 0 } }, 'config_invalid:limits.maxSteps'],
    [{ model, limits: { maxSteps: Infinity } }, 'config_invalid:limits.maxSteps'],
    [{ model, limits: { timeoutMs: -1 } }, 'config_invalid:limits.timeoutMs'],
    [{ model, limits: { maxStep: 3 } }, 'config_invalid:limits.maxStep'],
    [{ model, limits: { maxCostUsd: 1 } }, 'config_invalid:limits.maxCostUsd'],
    [{ model, toolPolicy: { onViolation: 'explode' } }, 'config_invalid:toolPolicy.onViolation'],
    [{ model, pricing: { 'x:y': { inputPerMillionUsd: -1, outputPerMillionUsd: 1 } } }, 'config_invalid:pricing.x:y.inputPerMillionUsd'],
    [{ model, tools: [add, add] }, 'config_invalid:tools'],
    [{ model: { provider: 'x' } }, 'config_invalid:model'],
    [{}, 'config_invalid:model'],
  ])('%#: rejects %o', (options, expected) => {
    expect(codeOf(() => createRuntime(options as never))).toBe(expected);
  });

  it.each([
    [{ name: 'bad name!', description: 'd', input: z.object({}), execute: (): number => 1 }, 'config_invalid:name'],
    [{ name: 'ok', description: 'd', input: z.string(), execute: (): number => 1 }, 'config_invalid:input'],
    [{ name: 'ok', description: 'd', input: z.object({ when: z.date() }), execute: (): number => 1 }, 'config_invalid:input'],
    [{ name: 'ok', description: 'd', input: z.object({}), execute: (): number => 1, timeoutMs: 0 }, 'config_invalid:timeoutMs'],
    [{ name: 'ok', description: 'd', input: z.object({}), execute: (): number => 1, sideEffects: 'maybe' }, 'config_invalid:sideEffects'],
  ])('%#: defineTool rejects a bad declaration', (definition, expected) => {
    expect(codeOf(() => defineTool(definition as never))).toBe(expected);
  });

  it('rejects bad run input with a typed error before creating anything', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model, store });
    await expect(runtime.run({ input: '' })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(runtime.run({ input: [{ role: 'robot', content: 'x' }] as never })).rejects.toMatchObject({ code: 'config_invalid' });
    expect(await store.listRuns()).toEqual([]);
  });
});
