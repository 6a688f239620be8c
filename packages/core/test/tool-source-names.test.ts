import 'reflect-metadata';
import { createRuntime, createRuntimeAsync, definePlugin, defineTool, TEXT_ONLY, TOKENS, type Tool, type ToolMessage } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

// A tool whose advertised name is derived from a source name (as the MCP bridge builds `server__tool`).
const sourced = (name: string, originalName: string, extra: Partial<Parameters<typeof defineTool>[0]> = {}): Tool =>
  defineTool({ name, originalName, description: name, input: z.object({}), execute: () => `ran ${name}`, ...extra });

describe('Tool.originalName: policy patterns match the name at the tool source', () => {
  it('deny, allow and maxCallsPerTool match the original name as well as the advertised one', async () => {
    const tools = [sourced('docs__delete', 'delete'), sourced('docs__search', 'search'), sourced('docs__a_b_1234abcd', 'a.b')];
    const model = new ScriptedModel([
      ScriptedModel.call('docs__delete'),
      ScriptedModel.call('docs__search'),
      ScriptedModel.call('docs__search'),
      ScriptedModel.call('docs__a_b_1234abcd'),
      ScriptedModel.answer('done'),
    ]);
    const runtime = createRuntime({ model, tools, toolPolicy: { deny: ['delete'], allow: ['search', 'a.*', 'delete'], maxCallsPerTool: { search: 1 } }, loopDetection: false });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(model.requests[0]!.tools.map((tool) => tool.name)).toEqual(['docs__search', 'docs__a_b_1234abcd']);
    const last = (index: number) => model.requests[index]!.messages.at(-1) as ToolMessage;
    expect(last(1)).toMatchObject({ isError: true, code: 'tool_denied' });
    expect(last(2).content).toBe('ran docs__search');
    expect(last(3)).toMatchObject({ isError: true, code: 'tool_denied' });
    expect(last(4).content).toBe('ran docs__a_b_1234abcd');
  });

  it('keeps working under a plugin namespace: advertised, pre-namespace and source names all match', async () => {
    const plugin = definePlugin({ name: 'sourced-pack', register(container) {
      container.register(TOKENS.Tool, { useValue: sourced('srv__write', 'write') });
      container.register(TOKENS.Tool, { useValue: sourced('srv__read', 'read') });
    } });
    for (const deny of ['write', 'srv__write', 'ns__srv__write', 'ns__*write']) {
      const model = new ScriptedModel([ScriptedModel.answer('ok')]);
      await (await createRuntimeAsync({ model, plugins: [{ plugin, namespace: 'ns' }], toolPolicy: { deny: [deny] } })).run('go');
      expect(model.requests[0]!.tools.map((tool) => tool.name), deny).toEqual(['ns__srv__read']);
    }
  });

  it('rejects a malformed originalName naming the field', () => {
    for (const originalName of ['', 'x'.repeat(1_025), 42]) {
      expect(() => sourced('t', originalName as string)).toThrow(expect.objectContaining({ code: 'config_invalid', field: 'originalName' }));
    }
    expect(sourced('t', '__proto__').originalName).toBe('__proto__');
    expect(defineTool({ name: 'plain', description: 'd', input: z.object({}), execute: () => 1 })).not.toHaveProperty('originalName');
  });
});

describe('Tool.unsupportedContentHint', () => {
  it('names the tool and appends its hint to the unsupported_content error of a text-only model', async () => {
    const screenshot = defineTool({
      name: 'shot', description: 'screenshot', input: z.object({}),
      unsupportedContentHint: "set media: 'text' on the MCP server \"web\"",
      execute: () => [{ type: 'image' as const, mediaType: 'image/png', data: PNG }],
    });
    const model = new ScriptedModel([ScriptedModel.call('shot'), ScriptedModel.answer('never')], { capabilities: TEXT_ONLY });
    const result = await createRuntime({ model, tools: [screenshot] }).run('go');
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('unsupported_content');
    expect(result.error?.message).toContain('tool result of "shot"');
    expect(result.error?.message).toContain("set media: 'text' on the MCP server \"web\"");
    expect(model.requests).toHaveLength(1);
  });

  it('rejects a hint over 500 characters', () => {
    expect(() => defineTool({ name: 't', description: 'd', input: z.object({}), execute: () => 1, unsupportedContentHint: 'x'.repeat(501) }))
      .toThrow(expect.objectContaining({ code: 'config_invalid', field: 'unsupportedContentHint' }));
  });
});
