import { createRuntime, createRuntimeAsync, MemoryStore, type AgentRuntime, type StoredRunEvent } from '@agentrt/core';
import { McpBridge, mcpPlugin, type McpLogEntry } from '@agentrt/tools-mcp';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

// The fixture is a real MCP server over stdio, built with the official SDK (tools echo, add, …).
const server = (extra: Record<string, unknown> = {}) => ({ name: 'fx', command: process.execPath, args: [fixture('server.mjs')], ...extra });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
const pluginRuntime = async (model: ScriptedModel, extra: Record<string, unknown>, onLog?: (entry: McpLogEntry) => void) => {
  const runtime = await createRuntimeAsync({ model, store: new MemoryStore(), plugins: [{ plugin: mcpPlugin, options: { servers: [server(extra)], ...(onLog ? { onLog } : {}) } }] });
  closers.push(() => runtime.close());
  return runtime;
};
const started = (events: StoredRunEvent[]) => events.filter((event) => event.type === 'tool_started').map((event) => (event as { name: string }).name);

describe('MCP requireApproval through core\'s approval flow', () => {
  it('pauses before a listed tool runs (the others of the step run), and runs it after approval on resume', async () => {
    const model = new ScriptedModel([
      ScriptedModel.parallel([{ name: 'fx__add', args: { a: 2, b: 3 }, id: 'call-add' }, { name: 'fx__echo', args: { text: 'free' }, id: 'call-echo' }]),
      ScriptedModel.answer('five'),
    ]);
    const runtime: AgentRuntime = await pluginRuntime(model, { requireApproval: ['add'] });
    const paused = await runtime.run('go');
    expect(paused).toMatchObject({ status: 'paused', stopReason: 'awaiting_approval' });
    expect(paused.pendingApprovals).toEqual([expect.objectContaining({ toolCallId: 'call-add', tool: 'fx__add', args: { a: 2, b: 3 } })]);
    const before = await runtime.events(paused.runId);
    expect(started(before)).toEqual(['fx__echo']); // add never reached the server
    expect(before.some((event) => event.type === 'approval_requested')).toBe(true);
    const done = await runtime.resume(paused.runId, { approvals: { 'call-add': { decision: 'approve', reason: 'looks fine' } } });
    expect(done).toMatchObject({ status: 'completed', stopReason: 'final_answer', output: 'five' });
    const messages = await runtime.messages(paused.runId);
    expect(messages.find((message) => message.role === 'tool' && message.toolCallId === 'call-add')).toMatchObject({ content: '5' });
    expect(started(await runtime.events(paused.runId))).toEqual(['fx__echo', 'fx__add']);
    await assertRunInvariants({ store: runtime.store, runId: paused.runId, result: done });
  });

  it('a denial reaches the model as tool_denied and the tool never runs', async () => {
    const model = new ScriptedModel([ScriptedModel.call('fx__add', { a: 1, b: 1 }, { id: 'c1' }), ScriptedModel.answer('denied then')]);
    const runtime = await pluginRuntime(model, { requireApproval: true });
    const paused = await runtime.run('go');
    expect(paused.stopReason).toBe('awaiting_approval');
    const done = await runtime.resume(paused.runId, { approvals: { c1: 'deny' } });
    expect(done.stopReason).toBe('final_answer');
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ role: 'tool', code: 'tool_denied' });
    expect(started(await runtime.events(paused.runId))).toEqual([]);
  });

  it('true covers every tool of the server; unlisted tools and servers without the option run freely', async () => {
    const bridge = await McpBridge.connect(server({ requireApproval: true }) as never);
    closers.push(() => bridge.close());
    for (const tool of bridge.tools()) expect(tool.mayNeedApproval && tool.needsApproval({}), tool.name).toBe(true);
    const free = await McpBridge.connect(server() as never);
    closers.push(() => free.close());
    for (const tool of free.tools()) expect(tool.mayNeedApproval || tool.needsApproval({}), tool.name).toBe(false);
    const listed = await McpBridge.connect(server({ requireApproval: ['echo'] }) as never);
    closers.push(() => listed.close());
    const needs = Object.fromEntries(listed.tools().map((tool) => [tool.originalName, tool.needsApproval({ text: 'x' })]));
    expect(needs.echo).toBe(true);
    expect(needs.add).toBe(false);
  });

  it('a predicate decides per call from the MCP name and a copy of the arguments; throwing, promises and non-false answers pause', async () => {
    const seen: [string, unknown][] = [];
    const rule = (tool: string, args: Record<string, unknown>) => {
      seen.push([tool, args]);
      (args as { text?: string }).text = 'mutated'; // cannot change the call
      return tool === 'echo' && String(args.a ?? '') === '';
    };
    const bridge = await McpBridge.connect(server({ requireApproval: rule }) as never);
    closers.push(() => bridge.close());
    const echo = bridge.tools().find((tool) => tool.originalName === 'echo')!;
    const add = bridge.tools().find((tool) => tool.originalName === 'add')!;
    const args = { text: 'rm -rf /' };
    expect(echo.needsApproval(args)).toBe(true);
    expect(args.text).toBe('rm -rf /');
    expect(add.needsApproval({ a: 1, b: 2 })).toBe(false);
    expect(seen.map(([tool]) => tool)).toEqual(['echo', 'add']);
    for (const hostile of [() => { throw new Error('boom'); }, async () => false, () => undefined, () => 'no', () => 0]) {
      const guarded = await McpBridge.connect(server({ requireApproval: hostile, tools: ['add'] }) as never);
      closers.push(() => guarded.close());
      expect(guarded.tools()[0]!.needsApproval({ a: 1, b: 2 }), String(hostile)).toBe(true);
    }
  });

  it('covers the bridge\'s resource and prompt tools by their names', async () => {
    const bridge = await McpBridge.connect({ name: 'h', command: process.execPath, args: [fixture('hostile-server.mjs')], resourceTools: true, promptTools: true, requireApproval: ['read_resource', 'get_prompt'] } as never);
    closers.push(() => bridge.close());
    const needs = Object.fromEntries(bridge.tools().filter((tool) => !tool.originalName).map((tool) => [tool.name, tool.needsApproval({ uri: 'memo://notes/1', name: 'greet' })]));
    expect(needs).toEqual({ h__list_resources: false, h__read_resource: true, h__list_prompts: false, h__get_prompt: true });
    // Through a run: reading a resource pauses first.
    const model = new ScriptedModel([ScriptedModel.call('h__read_resource', { uri: 'memo://notes/1' }, { id: 'r1' }), ScriptedModel.answer('read')]);
    const runtime = createRuntime({ model, tools: bridge.tools() });
    const paused = await runtime.run('go');
    expect(paused).toMatchObject({ stopReason: 'awaiting_approval', pendingApprovals: [expect.objectContaining({ tool: 'h__read_resource' })] });
    const done = await runtime.resume(paused.runId, { approvals: { r1: 'approve' } });
    expect(done.stopReason).toBe('final_answer');
    expect(String(model.requests[1]!.messages.at(-1)?.content)).toContain('remember the milk');
  });

  it('warns about listed names the server does not offer, and refuses invalid values naming the field', async () => {
    const logs: McpLogEntry[] = [];
    await pluginRuntime(new ScriptedModel([]), { requireApproval: ['add', 'delete_everything'] }, (entry) => logs.push(entry));
    expect(logs).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'warning', message: expect.stringContaining('"delete_everything"') })]));
    expect(logs.some((entry) => entry.message.includes('"add"'))).toBe(false);
    for (const bad of ['yes', 1, [''], [7], { add: true }, null]) {
      await expect(McpBridge.connect(server({ requireApproval: bad }) as never), JSON.stringify(bad)).rejects.toMatchObject({ code: 'config_invalid', field: expect.stringContaining('requireApproval') });
    }
  });
});
