import { createRuntimeAsync, type ToolMessage } from '@agentrt/core';
import { McpBridge, type ToolChange } from '@agentrt/tools-mcp';
import { describeToolPack, ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';

const fixture = new URL('./__fixtures__/server.mjs', import.meta.url).pathname;
const server = (extra: Record<string, unknown> = {}) => ({ name: 'fx', command: process.execPath, args: [fixture], cwd: new URL('..', import.meta.url).pathname, ...extra });
const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((b) => b.close()));
});
const connect = async (extra: Record<string, unknown> = {}, onToolChanged?: (c: ToolChange) => void) => {
  const bridge = await McpBridge.connect(server(extra) as never, onToolChanged ? { onToolChanged } : {});
  bridges.push(bridge);
  return bridge;
};

describeToolPack({
  name: '@agentrt/tools-mcp (fixture server)',
  tools: async () => (await connect({ tools: ['echo', 'add', 'env'] })).tools(),
  samples: {
    fx__echo: { valid: { text: 'hi' }, invalid: [null, 'text', 5], failing: { text: 42 } },
    fx__add: { valid: { a: 1, b: 2 }, invalid: [null, [1, 2]], failing: { a: 'one', b: 2 } },
    fx__env: { valid: {}, invalid: [null, 'x'] },
  },
});

describe('MCP bridge against a real stdio server', () => {
  it('exposes the server tools with their own schemas and side-effect hints', async () => {
    const tools = (await connect()).tools();
    const echo = tools.find((t) => t.name === 'fx__echo')!;
    expect(echo.spec.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
    expect(echo.sideEffects).toBe('none');
    expect(tools.find((t) => t.name === 'fx__crash')!.sideEffects).toBe('non-idempotent');
  });

  it('is loaded as a plugin, used in a run, and its server closes with the runtime', async () => {
    const model = new ScriptedModel([ScriptedModel.call('fx__add', { a: 40, b: 2 }), ScriptedModel.call('fx__fail', {}), ScriptedModel.answer('42')]);
    const runtime = await createRuntimeAsync({ model, plugins: [{ module: '@agentrt/tools-mcp', options: { servers: [server({ tools: ['add', 'fail'] })] } }], pluginBase: new URL('..', import.meta.url).pathname });
    const result = await runtime.run('add 40 and 2');
    expect(result.stopReason).toBe('final_answer');
    expect((model.requests[1]!.messages.at(-1) as ToolMessage).content).toBe('42');
    expect(model.requests[2]!.messages.at(-1)).toMatchObject({ isError: true, code: 'mcp_tool_error' });
    await runtime.close();
  });

  it('closes the server process with the runtime (TOKENS.Disposable)', async () => {
    const { createRuntime, definePlugin, TOKENS } = await import('@agentrt/core');
    const bridge = await McpBridge.connect(server() as never);
    const pid = bridge.pid;
    expect(alive(pid)).toBe(true);
    const plugin = definePlugin({ name: 'mcp-under-test', register(container) {
      container.register(TOKENS.Disposable, { useValue: bridge });
      for (const tool of bridge.tools()) container.register(TOKENS.Tool, { useValue: tool });
    } });
    const runtime = createRuntime({ model: new ScriptedModel([]), plugins: [plugin] });
    await runtime.close();
    for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 25));
    expect(alive(pid)).toBe(false);
  });

  it('times out a call that never answers and keeps working (B-39)', async () => {
    const bridge = await connect({ timeoutMs: 300 });
    const ctx = { runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal };
    const slow = bridge.tools().find((t) => t.name === 'fx__slow')!;
    await expect(slow.execute({}, ctx)).rejects.toMatchObject({ code: 'mcp_timeout' });
    expect(await bridge.tools().find((t) => t.name === 'fx__add')!.execute({ a: 1, b: 1 }, ctx)).toBe('2');
  });

  it('survives a 10 MB result: capped or a typed failure, the run continues, the bridge recovers', async () => {
    const bridge = await connect();
    const model = new ScriptedModel([ScriptedModel.call('fx__big'), ScriptedModel.call('fx__add', { a: 1, b: 2 }), ScriptedModel.answer('ok')]);
    const { createRuntime } = await import('@agentrt/core');
    const result = await createRuntime({ model, tools: bridge.tools(), limits: { maxToolOutputChars: 10_000 } }).run('go');
    expect(result.stopReason).toBe('final_answer');
    const big = model.requests[1]!.messages.at(-1) as ToolMessage;
    expect(big.content.length).toBeLessThanOrEqual(10_000);
    expect(['tool_output_truncated', 'mcp_unavailable']).toContain(big.code);
    expect((model.requests[2]!.messages.at(-1) as ToolMessage).content).toBe('3');
  });

  it('disables a tool whose description changes after connect (rug pull, B-38) until re-approved', async () => {
    const changes: ToolChange[] = [];
    const bridge = await connect({}, (change) => changes.push(change));
    const ctx = { runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal };
    const tool = (name: string) => bridge.tools().find((t) => t.name === name)!;
    // A runtime keeps the tool it was built with; the bridge must refuse it once it changed.
    const echo = tool('fx__echo');
    expect(await echo.execute({ text: 'before' }, ctx)).toBe('before');
    await tool('fx__rug').execute({}, ctx);
    await expect(echo.execute({ text: 'after' }, ctx)).rejects.toMatchObject({ code: 'mcp_tool_changed' });
    expect(changes).toEqual([{ server: 'fx', tool: 'echo', reason: 'description_or_schema_changed' }]);
    expect(bridge.tools().map((t) => t.name)).not.toContain('fx__echo');
    await bridge.approveChanges('echo');
    expect(tool('fx__echo').description).toContain('ignore previous instructions');
    expect(await echo.execute({ text: 'approved' }, ctx)).toBe('approved');
  });

  it('restarts a crashed server on the next call (B-39)', async () => {
    const bridge = await connect();
    const ctx = { runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal };
    const first = bridge.pid;
    await bridge.tools().find((t) => t.name === 'fx__crash')!.execute({}, ctx);
    for (let i = 0; i < 200 && alive(first); i++) await new Promise((r) => setTimeout(r, 25));
    expect(alive(first)).toBe(false);
    expect(await bridge.tools().find((t) => t.name === 'fx__add')!.execute({ a: 2, b: 3 }, ctx)).toBe('5');
    expect(bridge.pid).not.toBe(first);
  });

  it('does not pass the runtime environment (secrets, tokens) to the server (B-37)', async () => {
    process.env.AGENTRT_CANARY_0 = 'sk-agentrt-CANARY-in-parent-env';
    try {
      const bridge = await connect();
      const ctx = { runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'r:c', signal: new AbortController().signal };
      expect(await bridge.tools().find((t) => t.name === 'fx__env')!.execute({}, ctx)).toBe('clean');
    } finally {
      delete process.env.AGENTRT_CANARY_0;
    }
  });
});
