import { createRuntime, type ToolMessage } from '@agentrt/core';
import { McpBridge, type McpServerConfig } from '@agentrt/tools-mcp';
import { ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

// Red team (SVG): how far before the root an SVG may put its prolog must not decide between
// "SVG shown as text", "refused" and "passed on as another image type".
const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});
async function run(tools: readonly string[]): Promise<Record<string, ToolMessage>> {
  const bridge = await McpBridge.connect({ name: 'm', command: process.execPath, args: [fixture('media-server.mjs')], timeoutMs: 10_000 } as McpServerConfig);
  bridges.push(bridge);
  const model = new ScriptedModel([...tools.map((tool) => ScriptedModel.call(`m__${tool}`)), ScriptedModel.answer('done')]);
  const result = await createRuntime({ model, tools: bridge.tools(), limits: { maxSteps: tools.length + 1, maxToolCalls: tools.length } }).run('look');
  expect(result.stopReason, JSON.stringify(result.error)).toBe('final_answer');
  return Object.fromEntries(tools.map((tool, index) => [tool, model.requests[index + 1]!.messages.at(-1) as ToolMessage]));
}

describe('SVG prolog (red team)', () => {
  it('shows an SVG whose licence comment before <svg> is longer than 4 KB as text', async () => {
    const { svg_long_prolog: message } = await run(['svg_long_prolog']);
    expect(message!.isError, String(message!.content).slice(0, 300)).toBeFalsy();
    expect(String(message!.content)).toContain('shown as its SVG markup');
  });

  it('judges a doctype with an internal subset, and 400 000 doctypes in a row, by the element after them', async () => {
    const { svg_internal_subset: subset, svg_doctype_flood: flood } = await run(['svg_internal_subset', 'svg_doctype_flood']);
    expect(String(subset!.content)).toContain('shown as its SVG markup');
    expect(flood).toMatchObject({ isError: true, code: 'content_invalid' });
  });

  it('refuses that SVG declared image/avif (SVG smuggled under another image type)', async () => {
    const { svg_long_prolog_claiming_avif: message } = await run(['svg_long_prolog_claiming_avif']);
    expect(message).toMatchObject({ isError: true, code: 'content_invalid' });
  });
});
