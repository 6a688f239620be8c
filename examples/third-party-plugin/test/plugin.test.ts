import { createRuntimeAsync, definePlugin, defineTool, TOKENS, type ToolMessage } from '@agentrt/core';
import { describeToolPack, ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createUnitTools } from '../src/index.js';

const base = new URL('..', import.meta.url).pathname;

describeToolPack({
  name: 'agentrt-plugin-units',
  tools: () => createUnitTools(),
  samples: { convert_units: { valid: { value: 1, from: 'mi', to: 'km' }, invalid: [{}, { value: 'one', from: 'm', to: 'km' }, { value: 1, from: 'm' }, { value: Infinity, from: 'm', to: 'km' }], failing: { value: 1, from: 'm', to: 'kg' } } },
});

describe('loaded by specifier', () => {
  it('is imported by package name with validated options and used in a run', async () => {
    const model = new ScriptedModel([ScriptedModel.call('convert_units', { value: 100, from: 'f', to: 'c' }), ScriptedModel.answer('37.8 °C')]);
    const runtime = await createRuntimeAsync({ model, plugins: [{ module: 'agentrt-plugin-units', options: { precision: 3 } }], pluginBase: base });
    const result = await runtime.run('100 °F in °C?');
    expect(result.stopReason).toBe('final_answer');
    expect((model.requests[1]!.messages.at(-1) as ToolMessage).content).toBe('{"value":37.8,"unit":"c"}');
  });

  it('is imported by relative path too', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    await createRuntimeAsync({ model, plugins: ['./dist/index.js'], pluginBase: base });
    expect(model.requests).toHaveLength(0);
    await (await createRuntimeAsync({ model, plugins: ['./dist/index.js'], pluginBase: base })).run('x');
    expect(model.requests[0]!.tools.map((t) => t.name)).toEqual(['convert_units']);
  });

  it('names the field of a bad option', async () => {
    const model = new ScriptedModel([]);
    await expect(createRuntimeAsync({ model, plugins: [{ module: 'agentrt-plugin-units', options: { precision: 99 } }], pluginBase: base })).rejects.toMatchObject({ code: 'config_invalid', field: 'plugins.agentrt-plugin-units.precision' });
  });

  it('reports duplicate tool names across plugins by plugin name, and namespaces fix it', async () => {
    const clash = definePlugin({
      name: 'other-units',
      register(container) {
        container.register(TOKENS.Tool, { useValue: defineTool({ name: 'convert_units', description: 'clash', input: z.object({}), execute: () => 1 }) });
      },
    });
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    await expect(createRuntimeAsync({ model, plugins: ['agentrt-plugin-units', clash], pluginBase: base })).rejects.toThrow(/convert_units.*agentrt-plugin-units.*other-units/);
    const runtime = await createRuntimeAsync({ model, plugins: [{ module: 'agentrt-plugin-units', namespace: 'units' }, clash], pluginBase: base });
    await runtime.run('x');
    expect(model.requests[0]!.tools.map((t) => t.name)).toEqual(['units__convert_units', 'convert_units']);
  });

  it('fails clearly for a module that is not a plugin or does not exist', async () => {
    const model = new ScriptedModel([]);
    await expect(createRuntimeAsync({ model, plugins: ['zod'], pluginBase: base })).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('no default export that is a Plugin') });
    await expect(createRuntimeAsync({ model, plugins: ['agentrt-plugin-nope'], pluginBase: base })).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining('cannot resolve') });
  });
});
