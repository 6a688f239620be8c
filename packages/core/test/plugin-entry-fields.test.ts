/**
 * A plugin entry `{ module | plugin, options?, namespace? }` with a misspelt field ran the plugin on
 * its default options (`option`) or outside its namespace (`namespce`) and said nothing.
 */
import { createRuntime, createRuntimeAsync, defineTool, TOKENS, type Plugin } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const seen: unknown[] = [];
const plugin: Plugin<{ unit?: string }> = {
  name: 'units',
  register(container, options) {
    seen.push(options);
    container.register(TOKENS.Tool, { useValue: defineTool({ name: 'convert', description: 'c', input: z.object({}), execute: () => options?.unit ?? 'km' }) });
  },
};

describe('plugin entry fields', () => {
  it('refuses a misspelt field of a { plugin } entry, naming it and the near miss (createRuntime and createRuntimeAsync)', async () => {
    const model = new ScriptedModel([{ text: 'ok' }]);
    expect(() => createRuntime({ model, plugins: [{ plugin, option: { unit: 'mi' } } as never] })).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'plugins.0.option', message: expect.stringContaining('did you mean "options"') }));
    await expect(createRuntimeAsync({ model, plugins: [plugin, { plugin, namespce: 'u' } as never] })).rejects.toMatchObject({ code: 'config_invalid', field: 'plugins.1.namespce' });
    await expect(createRuntimeAsync({ model, plugins: [{ module: './nowhere.js', optons: {} } as never] })).rejects.toMatchObject({ code: 'config_invalid', field: 'plugins.0.optons' });
  });

  it('takes the documented fields, and a Plugin object with fields of its own', async () => {
    seen.length = 0;
    const model = new ScriptedModel([{ text: 'ok' }]);
    createRuntime({ model, plugins: [{ plugin, options: { unit: 'mi' }, namespace: 'u' }] });
    expect(seen).toEqual([{ unit: 'mi' }]);
    const extended = Object.assign(Object.create(null), plugin, { version: '1.2.3', description: 'unit tools' }) as Plugin<unknown>;
    expect(() => createRuntime({ model, plugins: [extended] })).not.toThrow();
  });
});
