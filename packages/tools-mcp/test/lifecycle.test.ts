import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, createRuntimeAsync, type ToolMessage } from '@agentrt/core';
import { McpBridge, mcpPlugin } from '@agentrt/tools-mcp';
import { ScriptedModel } from '@agentrt/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, context, fixture, packageDir, toolOf, until } from './helpers.js';

const CANARY = 'sk-agentrt-CANARY-0123456789abcdef';
const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
});

/** Runs the host fixture (built code) and waits for it to end by itself. */
async function host(scenario: string): Promise<{ pids: number[]; outcome: Record<string, unknown>; exitedInMs: number }> {
  const child = spawn(process.execPath, [fixture('host.mjs'), scenario], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let finished = false;
  void exited.then(() => (finished = true));
  try {
    await until(() => finished, 20_000, `the host process (${scenario}) to exit by itself`);
  } finally {
    if (!finished) child.kill('SIGKILL');
  }
  expect(await exited, stderr).toBe(0);
  const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  return { pids: lines.filter((line) => 'pid' in line).map((line) => line.pid as number), outcome: lines.at(-1)!, exitedInMs: Date.now() - started };
}

describe('construction failures leave nothing running', () => {
  it('stops the first server when the second fails to start, and the host exits', async () => {
    const { pids, outcome } = await host('second-server-fails');
    expect(outcome).toMatchObject({ code: 'mcp_unavailable' });
    expect(outcome.message).toContain('cannot open database');
    expect(outcome.message).not.toContain(CANARY);
    expect(pids).toHaveLength(1);
    await until(() => !alive(pids[0]), 5_000, 'the first server to be gone');
  });

  it('validates the runtime options before any server starts', async () => {
    const { pids, outcome } = await host('runtime-options-invalid');
    expect(outcome).toMatchObject({ code: 'config_invalid', field: 'limits.maxSteps' });
    expect(pids).toEqual([]);
  });

  it('stops every server when the runtime fails after the plugins ran (no model)', async () => {
    const { pids, outcome } = await host('runtime-invalid-after-plugins');
    expect(outcome).toMatchObject({ code: 'config_invalid', field: 'model' });
    expect(pids).toHaveLength(2);
    for (const pid of pids) await until(() => !alive(pid), 5_000, `server ${pid} to be gone`);
  });

  it('lets the host exit after runtime.close()', async () => {
    const { pids, outcome } = await host('created-and-closed');
    expect(outcome).toEqual({ created: true });
    await until(() => !alive(pids[0]), 5_000, 'the server to be gone');
  });
});

describe('plugin configuration', () => {
  it('checks every server config before starting any', async () => {
    const connected: unknown[] = [];
    const servers = [{ name: 'fx', command: process.execPath, args: [fixture('server.mjs')] }, { name: 'web', url: 'http://example.com/mcp' }];
    await expect(createRuntimeAsync({ model: new ScriptedModel([]), plugins: [{ plugin: mcpPlugin, options: { servers, onConnected: (bridge: unknown) => connected.push(bridge) } }] }))
      .rejects.toMatchObject({ code: 'config_invalid', field: 'plugins.@agentrt/tools-mcp.servers.1.url' });
    const twins = [servers[0], servers[0]];
    await expect(createRuntimeAsync({ model: new ScriptedModel([]), plugins: [{ plugin: mcpPlugin, options: { servers: twins, onConnected: (bridge: unknown) => connected.push(bridge) } }] }))
      .rejects.toMatchObject({ code: 'config_invalid', field: 'plugins.@agentrt/tools-mcp.servers.1.name' });
    await expect(createRuntimeAsync({ model: new ScriptedModel([]), plugins: [{ plugin: mcpPlugin, options: { servers: [{ name: 'x' }] } }] })).rejects.toMatchObject({ code: 'config_invalid' });
    expect(connected).toEqual([]);
  });
});

describe('startup', () => {
  it('puts the tail of the server stderr, redacted, into the startup error', async () => {
    const error = await McpBridge.connect({ name: 'crash', command: process.execPath, args: [fixture('hostile-server.mjs'), 'crash-at-start'] }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'mcp_unavailable' });
    const message = (error as Error).message;
    expect(message).toContain('fatal: cannot open database');
    expect(message).toContain('code 3');
    expect(message).not.toContain(CANARY);
  });

  it('reports a command that does not exist as mcp_unavailable', async () => {
    await expect(McpBridge.connect({ name: 'nope', command: '/nonexistent/mcp-server' })).rejects.toMatchObject({ code: 'mcp_unavailable' });
  });

  it('gives up on a server that never answers initialize after startupTimeoutMs and stops it', async () => {
    const started = Date.now();
    const error = await McpBridge.connect({ name: 'mute', command: process.execPath, args: [fixture('hostile-server.mjs'), 'hang-initialize'], startupTimeoutMs: 500 }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'mcp_timeout' });
    expect((error as Error).message).toContain('hostile MCP server');
    expect(Date.now() - started).toBeLessThan(5_000);
    const pid = Number(/hostile MCP server (\d+)/.exec((error as Error).message)![1]);
    await until(() => !alive(pid), 5_000, 'the mute server to be stopped');
  });

  it('refuses invalid configs naming the field', async () => {
    await expect(McpBridge.connect({ name: 'bad name!', command: 'x' })).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(McpBridge.connect({ name: 'x', command: 'x', timeoutMs: -1 })).rejects.toMatchObject({ code: 'config_invalid', field: 'servers.x.timeoutMs' });
    await expect(McpBridge.connect({ name: 'x', command: 'x', url: 'https://example.com' } as never)).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(McpBridge.connect({ name: 'x', command: 'x', resetTimeoutOnProgress: true, timeoutMs: 5_000, maxTotalTimeoutMs: 1_000 })).rejects.toMatchObject({ code: 'config_invalid', field: 'servers.x.maxTotalTimeoutMs' });
  });
});

describe('time limits of a call', () => {
  it('bounds a call whose tools/list hangs by timeoutMs, not 60 s, and reports mcp_timeout in a run', async () => {
    const bridge = await McpBridge.connect({ name: 'h', command: process.execPath, args: [fixture('hostile-server.mjs'), 'hang-list-after-first'], timeoutMs: 600 });
    bridges.push(bridge);
    const tool = toolOf(bridge, 'h__a_b');
    expect(tool.timeoutMs).toBe(1_600);
    const model = new ScriptedModel([ScriptedModel.call('h__a_b'), ScriptedModel.answer('ok')]);
    const started = Date.now();
    const result = await createRuntime({ model, tools: bridge.tools() }).run('go');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.stopReason).toBe('final_answer');
    const message = model.requests[1]!.messages.at(-1) as ToolMessage;
    expect(message).toMatchObject({ isError: true, code: 'mcp_timeout' });
    expect(message.content).toContain('while listing tools');
  });

  it('restarts a crashed server within the call', async () => {
    const bridge = await McpBridge.connect({ name: 'fx', command: process.execPath, args: [fixture('server.mjs')], cwd: packageDir, timeoutMs: 20_000 });
    bridges.push(bridge);
    const first = bridge.pid;
    await toolOf(bridge, 'fx__crash').execute({}, context().ctx);
    await until(() => !alive(first), 5_000, 'the server to exit');
    expect(await toolOf(bridge, 'fx__add').execute({ a: 1, b: 2 }, context().ctx)).toBe('3');
    expect(bridge.pid).not.toBe(first);
  });

  it('bounds a call whose restarted server hangs on initialize by timeoutMs', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'agentrt-mcp-')), 'started');
    const bridge = await McpBridge.connect({ name: 'h', command: process.execPath, args: [fixture('hostile-server.mjs'), 'hang-initialize-on-restart', marker], timeoutMs: 700, startupTimeoutMs: 5_000 });
    bridges.push(bridge);
    const first = bridge.pid;
    await toolOf(bridge, 'h__exit').execute({}, context().ctx);
    await until(() => !alive(first), 5_000, 'the server to exit');
    const started = Date.now();
    const error = await toolOf(bridge, 'h__a_b').execute({}, context().ctx).catch((thrown: unknown) => thrown);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(error).toMatchObject({ code: 'mcp_timeout' });
    expect((error as Error).message).toContain('while starting the server');
  });

  it('aborts at once when the caller aborts', async () => {
    const bridge = await McpBridge.connect({ name: 'fx', command: process.execPath, args: [fixture('server.mjs')], cwd: packageDir, timeoutMs: 30_000 });
    bridges.push(bridge);
    const { ctx, controller } = context();
    const call = toolOf(bridge, 'fx__slow').execute({}, ctx);
    setTimeout(() => controller.abort(new Error('stop now')), 100);
    await expect(call).rejects.toThrow('stop now');
    expect(await toolOf(bridge, 'fx__add').execute({ a: 2, b: 2 }, context().ctx)).toBe('4');
  });
});
