import { createRuntimeAsync, type ToolMessage } from '@agentrt/core';
import { McpBridge, type ToolChange } from '@agentrt/tools-mcp';
import { describeToolPack, ScriptedModel, waitFor } from '@agentrt/testing';
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
  it('exposes the server tools with their own schemas, their MCP names as originalName', async () => {
    const tools = (await connect()).tools();
    const echo = tools.find((t) => t.name === 'fx__echo')!;
    expect(echo.spec.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] });
    expect(echo.originalName).toBe('echo');
  });

  it('treats annotations as untrusted: every tool is non-idempotent unless configured or trusted', async () => {
    const sideEffects = async (extra: Record<string, unknown>) => Object.fromEntries((await connect(extra)).tools().filter((t) => ['fx__echo', 'fx__add', 'fx__crash'].includes(t.name)).map((t) => [t.name, t.sideEffects]));
    // One server per configuration (its own process), all started side by side.
    const [untrusted, trusted, all, patterns, configured, invalid] = await Promise.all([
      sideEffects({}),
      sideEffects({ trustAnnotations: true }),
      sideEffects({ sideEffects: 'idempotent' }),
      sideEffects({ sideEffects: { echo: 'none', '*': 'idempotent' } }),
      sideEffects({ trustAnnotations: true, sideEffects: { add: 'non-idempotent', crash: 'idempotent' } }),
      McpBridge.connect(server({ sideEffects: { echo: 'harmless' } }) as never).then(async (bridge) => (await bridge.close(), undefined), (error: unknown) => error),
    ]);
    // echo and add say readOnlyHint: true; crash says nothing.
    expect(untrusted).toEqual({ fx__echo: 'non-idempotent', fx__add: 'non-idempotent', fx__crash: 'non-idempotent' });
    expect(trusted).toEqual({ fx__echo: 'none', fx__add: 'none', fx__crash: 'non-idempotent' });
    expect(all).toEqual({ fx__echo: 'idempotent', fx__add: 'idempotent', fx__crash: 'idempotent' });
    expect(patterns).toEqual({ fx__echo: 'none', fx__add: 'idempotent', fx__crash: 'idempotent' });
    // The configuration wins over trusted annotations; tools it does not name fall back to them.
    expect(configured).toEqual({ fx__echo: 'none', fx__add: 'non-idempotent', fx__crash: 'idempotent' });
    expect(invalid).toMatchObject({ code: 'config_invalid', field: expect.stringContaining('sideEffects') });
  });

  it('records the intent of a non-idempotent MCP call before it runs (the safe default)', async () => {
    const { MemoryStore, createRuntime } = await import('@agentrt/core');
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.call('fx__echo', { text: 'x' }), ScriptedModel.answer('ok')]);
    const result = await createRuntime({ model, store, tools: (await connect()).tools() }).run('go');
    const ledger = await store.getToolLedger(result.runId);
    expect(ledger).toEqual([expect.objectContaining({ name: 'fx__echo', sideEffects: 'non-idempotent' })]);
  });

  it('applies toolPolicy patterns to the MCP names, also under a plugin namespace', async () => {
    // Each policy in its own runtime and server, side by side.
    await Promise.all([{ deny: ['add'] }, { deny: ['fx__add'] }, { deny: ['ns__fx__add'] }, { allow: ['echo', 'fail'] }].map(async (toolPolicy) => {
      const model = new ScriptedModel([ScriptedModel.call('ns__fx__add', { a: 1, b: 2 }), ScriptedModel.answer('done')]);
      const runtime = await createRuntimeAsync({ model, toolPolicy, plugins: [{ module: '@agentrt/tools-mcp', namespace: 'ns', options: { servers: [server({ tools: ['echo', 'add', 'fail'] })] } }], pluginBase: new URL('..', import.meta.url).pathname });
      try {
        await runtime.run('go');
        expect(model.requests[0]!.tools.map((tool) => tool.name), JSON.stringify(toolPolicy)).not.toContain('ns__fx__add');
        expect(model.requests[1]!.messages.at(-1), JSON.stringify(toolPolicy)).toMatchObject({ isError: true, code: 'tool_denied' });
      } finally {
        await runtime.close();
      }
    }));
    const model = new ScriptedModel([ScriptedModel.call('fx__add', { a: 1, b: 2 }), ScriptedModel.call('fx__add', { a: 2, b: 2 }), ScriptedModel.answer('done')]);
    const runtime = await createRuntimeAsync({ model, toolPolicy: { maxCallsPerTool: { add: 1 } }, plugins: [{ module: '@agentrt/tools-mcp', options: { servers: [server({ tools: ['add'] })] } }], pluginBase: new URL('..', import.meta.url).pathname, loopDetection: false });
    try {
      await runtime.run('go');
      expect((model.requests[1]!.messages.at(-1) as ToolMessage).content).toBe('3');
      expect(model.requests[2]!.messages.at(-1)).toMatchObject({ isError: true, code: 'tool_denied' });
    } finally {
      await runtime.close();
    }
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
    await waitFor(() => !alive(pid), { message: 'the server process has exited' });
  });

  it('times out a call that never answers and keeps working (B-39)', async () => {
    // The timeout also bounds the follow-up call: 1 s leaves a busy machine room for a real round trip.
    const bridge = await connect({ timeoutMs: 1_000 });
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
    expect(big.code).toBe('tool_output_truncated');
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
    await waitFor(() => bridge.pid === undefined, { message: 'the bridge saw the server exit' });
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
