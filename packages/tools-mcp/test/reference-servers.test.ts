import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntimeAsync, type AgentRuntime, type ToolMessage } from '@agentrt/core';
import { mcpPlugin, type McpBridge, type McpLogEntry, type McpServerConfig } from '@agentrt/tools-mcp';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, partsOf, referenceServer, textOf, until } from './helpers.js';

// The official reference servers, installed as dev dependencies and run with node from
// node_modules (no download at test time), driven through runs with ScriptedModel.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const everything = (extra: Partial<McpServerConfig> = {}): McpServerConfig => ({ name: 'ev', command: process.execPath, args: [referenceServer('everything')], ...extra } as McpServerConfig);
const runtimes: AgentRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
});
const build = async (model: ScriptedModel, servers: McpServerConfig[], extra: { onLog?: (entry: McpLogEntry) => void; bridges?: McpBridge[] } = {}) => {
  const runtime = await createRuntimeAsync({
    model,
    plugins: [{ plugin: mcpPlugin, options: { servers, ...(extra.onLog ? { onLog: extra.onLog } : {}), onConnected: (bridge: McpBridge) => extra.bridges?.push(bridge) } }],
  });
  runtimes.push(runtime);
  return runtime;
};
const toolResult = (model: ScriptedModel, request: number) => model.requests[request]!.messages.at(-1) as ToolMessage;

describe('server-everything', () => {
  it('brings every content type into the transcript in a usable form', async () => {
    const gzipInput = `data:text/plain;base64,${Buffer.from('hello gzip').toString('base64')}`;
    const model = new ScriptedModel([
      ScriptedModel.call('ev__get-tiny-image'),
      ScriptedModel.call('ev__get-resource-reference', { resourceType: 'Text', resourceId: 2 }),
      ScriptedModel.call('ev__get-resource-reference', { resourceType: 'Blob', resourceId: 3 }),
      ScriptedModel.call('ev__get-resource-links', { count: 2 }),
      ScriptedModel.call('ev__get-structured-content', { location: 'Chicago' }),
      ScriptedModel.call('ev__gzip-file-as-resource', { name: 'hello.txt.gz', data: gzipInput, outputType: 'resource' }),
      ScriptedModel.answer('seen it all'),
    ]);
    const runtime = await build(model, [everything()]);
    const result = await runtime.run('show me everything');
    expect(result.stopReason).toBe('final_answer');

    const image = partsOf(toolResult(model, 1));
    expect(image).toContainEqual({ type: 'image', mediaType: 'image/png', data: expect.stringMatching(/^iVBORw0KGgo/) });
    expect(image[0]).toEqual({ type: 'text', text: "Here's the image you requested:" });

    const text = textOf(toolResult(model, 2));
    expect(text).toContain('[resource demo://resource/dynamic/text/2 (text/plain)]');
    expect(text).toContain('Resource 2: This is a plaintext resource');

    // A text/plain blob is text: its label, then its decoded contents (any model takes it).
    expect(textOf(toolResult(model, 3))).toMatch(/\[resource demo:\/\/resource\/dynamic\/blob\/3 \(text\/plain\)\]\nResource 3: This is a base64 blob/);

    const links = textOf(toolResult(model, 4));
    expect(links).toContain('[resource link] Blob Resource 1: demo://resource/dynamic/blob/1 (text/plain)');
    expect(links).toContain('[resource link] Text Resource 2: demo://resource/dynamic/text/2 (text/plain)');

    expect(JSON.parse(textOf(toolResult(model, 5)))).toEqual({ temperature: 36, conditions: 'Light rain / drizzle', humidity: 82 });

    const gzip = partsOf(toolResult(model, 6)).find((part) => part.type === 'file') as { mediaType: string; data: string; filename: string };
    expect(gzip).toMatchObject({ mediaType: 'application/gzip', filename: 'hello.txt.gz' });
    const { gunzipSync } = await import('node:zlib');
    expect(gunzipSync(Buffer.from(gzip.data, 'base64')).toString()).toBe('hello gzip');
  });

  it('runs a task-required tool as an MCP task and records its status as tool_progress', async () => {
    const model = new ScriptedModel([ScriptedModel.call('ev__simulate-research-query', { topic: 'octopus' }), ScriptedModel.answer('ok')]);
    const runtime = await build(model, [everything()]);
    const result = await runtime.run('research');
    expect(result.stopReason).toBe('final_answer');
    const report = toolResult(model, 1);
    expect(report.isError).toBeFalsy();
    expect(textOf(report)).toContain('# Research Report: octopus');
    const progress = (await runtime.events(result.runId)).filter((event) => event.type === 'tool_progress');
    expect(progress.map((event) => (event as { message?: string }).message)).toContain('Generating report...');
  });

  it('records progress notifications as tool_progress events', async () => {
    const model = new ScriptedModel([ScriptedModel.call('ev__trigger-long-running-operation', { duration: 0.6, steps: 3 }), ScriptedModel.answer('ok')]);
    const runtime = await build(model, [everything()]);
    const result = await runtime.run('go');
    expect(textOf(toolResult(model, 1))).toContain('Long running operation completed');
    const progress = (await runtime.events(result.runId)).filter((event) => event.type === 'tool_progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatchObject({ name: 'ev__trigger-long-running-operation', progress: 1, total: 3 });
  });

  it('times a long operation out as mcp_timeout inside a run, and the run goes on', async () => {
    const model = new ScriptedModel([ScriptedModel.call('ev__trigger-long-running-operation', { duration: 20, steps: 4 }), ScriptedModel.call('ev__echo', { message: 'still here' }), ScriptedModel.answer('ok')]);
    const bridges: McpBridge[] = [];
    const runtime = await build(model, [everything({ timeoutMs: 1_000 })], { bridges });
    const pid = bridges[0]!.pid;
    const started = Date.now();
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(toolResult(model, 1)).toMatchObject({ isError: true, code: 'mcp_timeout' });
    expect(textOf(toolResult(model, 2))).toContain('still here');
    expect(Date.now() - started).toBeLessThan(15_000);
    // A slow tool is not a wedged server: it answers the ping sent after the timeout and keeps running.
    expect(bridges[0]!.pid).toBe(pid);
  });

  it('lets progress restart the clock with resetTimeoutOnProgress', async () => {
    const model = new ScriptedModel([ScriptedModel.call('ev__trigger-long-running-operation', { duration: 2.4, steps: 6 }), ScriptedModel.answer('ok')]);
    const runtime = await build(model, [everything({ timeoutMs: 1_500, resetTimeoutOnProgress: true, maxTotalTimeoutMs: 20_000 })]);
    await runtime.run('go');
    expect(toolResult(model, 1).isError).toBeFalsy();
    expect(textOf(toolResult(model, 1))).toContain('Long running operation completed');
  });

  it('stops a long operation when the run is killed', async () => {
    const model = new ScriptedModel([ScriptedModel.call('ev__trigger-long-running-operation', { duration: 30, steps: 30 }), ScriptedModel.answer('never')]);
    const runtime = await build(model, [everything()]);
    let killedAt = 0;
    let result: Awaited<ReturnType<AgentRuntime['run']>> | undefined;
    for await (const event of runtime.stream('go')) {
      if (event.type === 'tool_progress' && !killedAt) {
        killedAt = Date.now();
        void runtime.kill(event.runId, 'operator stop');
      }
      if (event.type === 'run_finished') result = event.result;
    }
    expect(result?.stopReason).toBe('killed');
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(model.requests).toHaveLength(1);
  });

  it('recovers from SIGKILL of the server: a call in flight fails mcp_unavailable, the next call restarts it', async () => {
    const bridges: McpBridge[] = [];
    const model = new ScriptedModel([
      ScriptedModel.call('ev__echo', { message: 'before' }),
      ScriptedModel.call('ev__trigger-long-running-operation', { duration: 30, steps: 30 }),
      ScriptedModel.call('ev__echo', { message: 'after' }),
      ScriptedModel.answer('ok'),
    ]);
    const runtime = await build(model, [everything()], { bridges });
    const bridge = bridges[0]!;
    const first = bridge.pid!;
    let killed = false;
    for await (const event of runtime.stream('go')) {
      if (event.type === 'tool_progress' && !killed) {
        killed = true;
        process.kill(first, 'SIGKILL');
      }
    }
    expect(textOf(toolResult(model, 1))).toContain('before');
    expect(toolResult(model, 2)).toMatchObject({ isError: true, code: 'mcp_unavailable' });
    expect(textOf(toolResult(model, 3))).toContain('after');
    expect(alive(first)).toBe(false);
    expect(bridge.pid).toBeDefined();
    expect(bridge.pid).not.toBe(first);
  });

  it('gives the server PATH and the variables asked for, nothing else (not HOME, USER, secrets)', async () => {
    process.env.AGENTRT_MCP_CANARY = 'sk-agentrt-CANARY-in-parent-env';
    try {
      const model = new ScriptedModel([ScriptedModel.call('ev__get-env'), ScriptedModel.call('other__get-env'), ScriptedModel.answer('ok')]);
      const runtime = await build(model, [everything(), everything({ name: 'other', inheritEnv: ['HOME'], env: { MCP_MODE: 'test' } })]);
      await runtime.run('go');
      expect(Object.keys(JSON.parse(textOf(toolResult(model, 1)))).sort()).toEqual(['PATH']);
      expect(Object.keys(JSON.parse(textOf(toolResult(model, 2)))).sort()).toEqual(['HOME', 'MCP_MODE', 'PATH'].filter((name) => name !== 'HOME' || process.env.HOME !== undefined));
    } finally {
      delete process.env.AGENTRT_MCP_CANARY;
    }
  });

  it('delivers logging notifications redacted (onLog) once logging is switched on', async () => {
    const logs: McpLogEntry[] = [];
    const model = new ScriptedModel([ScriptedModel.call('ev__toggle-simulated-logging'), ScriptedModel.answer('ok')]);
    const runtime = await build(model, [everything({ logLevel: 'debug' })], { onLog: (entry) => logs.push(entry) });
    await runtime.run('go');
    await until(() => logs.some((entry) => /message/i.test(entry.message)), 10_000, 'a log message');
    expect(logs.find((entry) => /message/i.test(entry.message))).toMatchObject({ server: 'ev' });
  });
});

describe('server-filesystem', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'agentrt-mcp-fs-'));
    writeFileSync(join(root, 'dot.png'), Buffer.from(PNG, 'base64'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes and reads inside its root, refuses outside as tool errors, returns media as parts', async () => {
    const model = new ScriptedModel([
      ScriptedModel.call('fs__write_file', { path: join(root, 'note.txt'), content: 'hello from a run' }),
      ScriptedModel.call('fs__read_text_file', { path: join(root, 'note.txt') }),
      ScriptedModel.call('fs__read_text_file', { path: '/etc/passwd' }),
      ScriptedModel.call('fs__read_text_file', { path: join(root, '..', 'escape.txt') }),
      ScriptedModel.call('fs__read_media_file', { path: join(root, 'dot.png') }),
      ScriptedModel.answer('done'),
    ]);
    const runtime = await build(model, [{ name: 'fs', command: process.execPath, args: [referenceServer('filesystem'), root] }]);
    const result = await runtime.run('files');
    expect(result.stopReason).toBe('final_answer');
    expect(readFileSync(join(root, 'note.txt'), 'utf8')).toBe('hello from a run');
    expect(textOf(toolResult(model, 2))).toBe('hello from a run');
    for (const refused of [toolResult(model, 3), toolResult(model, 4)]) {
      expect(refused).toMatchObject({ isError: true, code: 'mcp_tool_error' });
      expect(textOf(refused)).toContain('Access denied');
    }
    expect(partsOf(toolResult(model, 5))).toEqual([{ type: 'image', mediaType: 'image/png', data: PNG }]);
  });
});

describe('server-memory', () => {
  it('keeps the knowledge graph across two runs (two runtimes, two server processes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-mcp-memory-'));
    const memoryFile = join(dir, 'memory.jsonl');
    const server: McpServerConfig = { name: 'mem', command: process.execPath, args: [referenceServer('memory')], env: { MEMORY_FILE_PATH: memoryFile } };
    try {
      const firstBridges: McpBridge[] = [];
      const first = new ScriptedModel([
        ScriptedModel.call('mem__create_entities', { entities: [{ name: 'Ada Lovelace', entityType: 'person', observations: ['wrote the first published program'] }] }),
        ScriptedModel.answer('remembered'),
      ]);
      const runtimeA = await build(first, [server], { bridges: firstBridges });
      expect((await runtimeA.run('remember Ada')).stopReason).toBe('final_answer');
      expect(toolResult(first, 1).isError).toBeFalsy();
      const firstPid = firstBridges[0]!.pid;
      await runtimeA.close();
      await until(() => !alive(firstPid), 10_000, 'the first memory server to stop');

      const second = new ScriptedModel([ScriptedModel.call('mem__search_nodes', { query: 'Ada' }), ScriptedModel.answer('found')]);
      const runtimeB = await build(second, [server]);
      expect((await runtimeB.run('who is Ada?')).stopReason).toBe('final_answer');
      expect(textOf(toolResult(second, 1))).toContain('wrote the first published program');
      expect(readFileSync(memoryFile, 'utf8')).toContain('Ada Lovelace');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
