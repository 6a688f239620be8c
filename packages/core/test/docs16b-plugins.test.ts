// docs16b: docs/plugins.md and the plugin parts of docs/architecture.md — loading by path with
// `pluginBase`, `namespace`, options validated by the plugin's schema, duplicate tool names,
// misspelt entry fields, and Disposables closed when construction fails.
import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentrtError, createRuntime, createRuntimeAsync, definePlugin, defineTool, TOKENS } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const require = createRequire(import.meta.url);
const coreUrl = pathToFileURL(require.resolve('@agentrt/core')).href;
const zodUrl = pathToFileURL(createRequire(require.resolve('@agentrt/core')).resolve('zod')).href;

function pluginDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'docs16b-plugins-'));
  writeFileSync(join(dir, 'local.mjs'), `
import { definePlugin, defineTool, TOKENS } from ${JSON.stringify(coreUrl)};
import { z } from ${JSON.stringify(zodUrl)};
export default definePlugin({
  name: 'local-pack',
  options: z.strictObject({ greeting: z.string().default('hi') }).optional(),
  register(container, options) {
    container.register(TOKENS.Tool, { useValue: defineTool({ name: 'greet', description: 'Greets', input: z.object({}), execute: () => (options?.greeting ?? 'hi') }) });
  },
});
`);
  return dir;
}

async function thrown(promise: Promise<unknown>): Promise<AgentrtError & { field?: string }> {
  try {
    await promise;
  } catch (error) {
    expect(AgentrtError.isInstance(error)).toBe(true);
    return error as AgentrtError & { field?: string };
  }
  throw new Error('expected a throw');
}

describe('docs/plugins.md "Load it"', () => {
  it('a plugin by relative path from pluginBase, with options and a namespace (tools renamed <ns>__*)', async () => {
    const dir = pluginDir();
    const model = new ScriptedModel([ScriptedModel.call('local__greet'), ScriptedModel.answer('ok')]);
    const runtime = await createRuntimeAsync({ model, pluginBase: dir, plugins: [{ module: './local.mjs', namespace: 'local', options: { greeting: 'hello' } }] });
    const result = await runtime.run('greet');
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[0]!.tools.map((tool) => tool.name)).toEqual(['local__greet']);
    expect(model.requests[1]!.messages.at(-1)!.content).toBe('hello');
  });

  it('the namespace does not dodge the policy: deny by the original name', async () => {
    const dir = pluginDir();
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    const runtime = await createRuntimeAsync({ model, pluginBase: dir, plugins: [{ module: './local.mjs', namespace: 'local' }], toolPolicy: { deny: ['greet'] } });
    await runtime.run('go');
    expect(model.requests[0]!.tools).toEqual([]);
  });

  it('options the plugin schema refuses, and a misspelt entry field, are config_invalid naming them', async () => {
    const dir = pluginDir();
    const model = new ScriptedModel([]);
    const bad = await thrown(createRuntimeAsync({ model, pluginBase: dir, plugins: [{ module: './local.mjs', options: { greting: 'x' } }] }));
    expect(bad.code).toBe('config_invalid');
    const misspelt = await thrown(createRuntimeAsync({ model, pluginBase: dir, plugins: [{ module: './local.mjs', option: { greeting: 'x' } } as never] }));
    expect(misspelt).toMatchObject({ code: 'config_invalid', field: 'plugins.0.option' });
    expect(misspelt.message).toContain('did you mean "options"?');
  });

  it('two plugins registering one tool name is config_invalid naming both; createRuntime refuses specifiers', async () => {
    const tool = defineTool({ name: 'dup', description: 'x', input: z.object({}), execute: () => 'x' });
    const a = definePlugin({ name: 'pack-a', register: (c) => { c.register(TOKENS.Tool, { useValue: tool }); } });
    const b = definePlugin({ name: 'pack-b', register: (c) => { c.register(TOKENS.Tool, { useValue: tool }); } });
    let error: unknown;
    try {
      createRuntime({ model: new ScriptedModel([]), plugins: [a, b] });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'config_invalid' });
    expect((error as Error).message).toContain('pack-a');
    expect((error as Error).message).toContain('pack-b');
    expect(() => createRuntime({ model: new ScriptedModel([]), plugins: ['./x.mjs' as never] })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });

  it('a failed construction closes every Disposable registered so far; runtime.close() closes them too', async () => {
    const closed: string[] = [];
    const opener = definePlugin({ name: 'opener', register: (c) => { c.register(TOKENS.Disposable, { useValue: { close: () => { closed.push('opener'); } } }); } });
    const failing = definePlugin({ name: 'failing', register: () => { throw new Error('cannot start'); } });
    await expect(createRuntimeAsync({ model: new ScriptedModel([]), plugins: [opener, failing] })).rejects.toThrow();
    expect(closed).toEqual(['opener']);
    const runtime = await createRuntimeAsync({ model: new ScriptedModel([]), plugins: [opener] });
    await runtime.close();
    expect(closed).toEqual(['opener', 'opener']);
  });

  it('ctx.progress / ctx.log become tool_progress / tool_log events', async () => {
    const slow = defineTool({
      name: 'slow', description: 'x', input: z.object({}),
      execute: (_args, ctx) => { ctx.progress?.({ progress: 1, total: 2, message: 'half' }); ctx.log?.({ level: 'info', message: 'working' }); return 'done'; },
    });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('slow'), ScriptedModel.answer('ok')]), tools: [slow] });
    const result = await runtime.run('go');
    const types = (await runtime.events(result.runId)).map((event) => event.type);
    expect(types).toContain('tool_progress');
    expect(types).toContain('tool_log');
  });
});
