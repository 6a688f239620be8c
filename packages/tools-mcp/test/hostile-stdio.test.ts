import { createRuntime, TEXT_ONLY, type ToolMessage } from '@agentrt/core';
import { McpBridge, type McpLogEntry, type McpServerConfig } from '@agentrt/tools-mcp';
import { HOSTILE_MCP_TOOLS, hostileMcpServer, ScriptedModel, type HostileMcpMode } from '@agentrt/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alive, childPids, context, ioHandles, toolOf, until } from './helpers.js';

// The bridge against a hostile stdio server (@agentrt/testing's raw JSON-RPC server): every call
// settles within its budget with a typed error, the process keeps working, nothing is left running.
const CANARY = 'sk-agentrt-CANARY-0123456789abcdef';
const bridges: McpBridge[] = [];
let handlesBefore = 0;
beforeEach(() => {
  handlesBefore = ioHandles();
});
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
  await until(() => hostilePids().length === 0, 10_000, 'every hostile server process to be gone');
  // No process handle, pipe or socket is left behind.
  await until(() => ioHandles() <= handlesBefore, 5_000, `the I/O handles to return to ${handlesBefore}`);
});
const hostilePids = () => childPids().filter((child) => child.command.includes('hostile-mcp-stdio')).map((child) => child.pid);
const server = (mode: HostileMcpMode, extra: Partial<McpServerConfig> = {}): McpServerConfig => ({ name: 'evil', ...hostileMcpServer(mode), timeoutMs: 3_000, startupTimeoutMs: 10_000, ...extra } as McpServerConfig);
const connect = async (mode: HostileMcpMode = 'tools', extra: Partial<McpServerConfig> = {}, options: Parameters<typeof McpBridge.connect>[1] = {}) => {
  const bridge = await McpBridge.connect(server(mode, extra), options);
  bridges.push(bridge);
  return bridge;
};
const call = async (bridge: McpBridge, name: string, args: Record<string, unknown> = {}) => toolOf(bridge, name).execute(args, context().ctx);
const failure = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error as { code?: string; message: string });
const timed = async <T>(work: () => Promise<T>) => {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
};

describe('hostile stdio server: start-up', () => {
  it('fails fast and typed, leaving no process, for every broken start-up', async () => {
    const cases: [HostileMcpMode, string, number][] = [
      ['hang-initialize', 'mcp_timeout', 5_000],
      ['hang-list', 'mcp_timeout', 5_000],
      ['bad-protocol-version', 'mcp_unavailable', 5_000],
      ['initialize-error', 'mcp_request_failed', 5_000],
      ['crash-at-start', 'mcp_unavailable', 5_000],
      ['close-stdout-at-initialize', 'mcp_unavailable', 5_000],
      ['exit-at-initialize', 'mcp_unavailable', 5_000],
    ];
    // The server's command line ends with its mode.
    const running = (mode: HostileMcpMode) => childPids().some((child) => child.command.includes('hostile-mcp-stdio') && child.command.endsWith(` ${mode}`));
    const attempt = async ([mode, code, within]: [HostileMcpMode, string, number]) => {
      const { value: error, ms } = await timed(() => failure(McpBridge.connect(server(mode, { startupTimeoutMs: 1_500 }))));
      expect(error, mode).toMatchObject({ code });
      expect(ms, mode).toBeLessThan(within);
      expect(error!.message, mode).not.toContain(CANARY);
      await until(() => !running(mode), 5_000, `the ${mode} server to be gone`);
    };
    // The two hanging servers sit out their start-up timeout side by side, while the others fail one
    // after the other (at most three servers at once, so each case keeps its own time bound).
    const [hanging, broken] = [cases.filter(([mode]) => mode.startsWith('hang-')), cases.filter(([mode]) => !mode.startsWith('hang-'))];
    await Promise.all([
      ...hanging.map(attempt),
      (async () => {
        for (const spec of broken) await attempt(spec);
      })(),
    ]);
    await until(() => hostilePids().length === 0, 5_000, 'every broken server to be gone');
  });

  it('says which protocol version the server wanted', async () => {
    const error = await failure(McpBridge.connect(server('bad-protocol-version')));
    expect(error!.message).toContain('1999-01-01');
  });

  it('skips garbage on stdout and keeps only the tail of an endless stderr', async () => {
    const garbage = await connect('garbage-stdout');
    expect(await call(garbage, 'evil__echo', { text: 'through the garbage' })).toBe('through the garbage');
    const flooding = await connect('stderr-flood');
    expect(await call(flooding, 'evil__echo', { text: 'through the flood' })).toBe('through the flood');
    expect(flooding.stderr.length).toBeLessThanOrEqual(4 * 1024);
    expect(await call(flooding, 'evil__stderr_burst', { bytes: 2 * 1024 * 1024 })).toBe('wrote to stderr');
    expect(flooding.stderr.length).toBeLessThanOrEqual(4 * 1024);
  });
});

describe('hostile stdio server: processes', () => {
  it('stops the server\'s own children too (its process group) when the bridge closes or the server crashes', async () => {
    const grandchildOf = (bridge: McpBridge) => Number(/grandchild (\d+)/.exec(bridge.stderr)?.[1]);
    const bridge = await connect('grandchild');
    await until(() => grandchildOf(bridge) > 0, 5_000, 'the grandchild to start');
    const grandchild = grandchildOf(bridge);
    expect(alive(grandchild)).toBe(true);
    await bridge.close();
    await until(() => !alive(grandchild), 10_000, 'the grandchild (which ignores SIGTERM) to be gone');

    const crashing = await connect('grandchild', { name: 'crashing' });
    await until(() => grandchildOf(crashing) > 0, 5_000, 'the second grandchild to start');
    const orphan = grandchildOf(crashing);
    expect(await failure(call(crashing, 'crashing__exit_mid_message'))).toMatchObject({ code: 'mcp_unavailable' });
    await until(() => !alive(orphan), 10_000, 'the grandchild of the crashed server to be gone');
  });
});

describe('hostile stdio server: JSON-RPC abuse', () => {
  it('times out a call answered under the wrong id, ignores a duplicate answer, skips a malformed line', async () => {
    const bridge = await connect('tools', { timeoutMs: 800 });
    const pid = bridge.pid;
    const { value: error, ms } = await timed(() => failure(call(bridge, 'evil__wrong_id')));
    expect(error).toMatchObject({ code: 'mcp_timeout' });
    expect(ms).toBeLessThan(3_000);
    expect(await call(bridge, 'evil__duplicate_response')).toBe('first');
    expect(await call(bridge, 'evil__malformed_then_ok')).toBe('after malformed');
    expect(await failure(call(bridge, 'evil__invalid_result'))).toMatchObject({ code: 'mcp_output_invalid' });
    expect(await failure(call(bridge, 'evil__no_response'))).toMatchObject({ code: 'mcp_timeout' });
    expect(await call(bridge, 'evil__echo', { text: 'still fine' })).toBe('still fine');
    expect(bridge.pid).toBe(pid);
  });

  it('refuses the server\'s own requests (sampling, elicitation, roots) with method-not-found; ping is answered', async () => {
    const bridge = await connect();
    const answers = JSON.parse(await call(bridge, 'evil__client_requests') as string) as Record<string, { error?: { code: number }; result?: unknown }>;
    for (const method of ['sampling/createMessage', 'elicitation/create', 'roots/list']) expect(answers[method]?.error?.code, method).toBe(-32601);
    expect(answers.ping).toEqual({ result: {} });
  });

  it('fails a call whose answer is cut by the server exiting, fast, and starts a new server next time', async () => {
    const bridge = await connect('tools', { timeoutMs: 20_000 });
    const first = bridge.pid;
    const { value: error, ms } = await timed(() => failure(call(bridge, 'evil__exit_mid_message')));
    expect(error).toMatchObject({ code: 'mcp_unavailable' });
    expect(ms).toBeLessThan(5_000);
    await until(() => !alive(first), 5_000, 'the server to be gone');
    expect(await call(bridge, 'evil__echo', { text: 'again' })).toBe('again');
    expect(bridge.pid).not.toBe(first);
  });

  it('fails a call fast when the server closes stdout mid-answer, stops that process and starts a new one', async () => {
    const bridge = await connect('tools', { timeoutMs: 20_000 });
    const first = bridge.pid;
    const { value: error, ms } = await timed(() => failure(call(bridge, 'evil__close_mid_message')));
    expect(error).toMatchObject({ code: 'mcp_unavailable' });
    expect(ms).toBeLessThan(5_000);
    await until(() => !alive(first), 5_000, 'the server with closed stdout to be stopped');
    expect(await call(bridge, 'evil__echo', { text: 'again' })).toBe('again');
  });
});

describe('stopping a long operation', () => {
  it('a kill of the run and the call\'s timeout both stop it: the server is told (notifications/cancelled) and never finishes it', async () => {
    const bridge = await connect('tools', { timeoutMs: 600 });
    const stats = async () => JSON.parse(await call(bridge, 'evil__stats') as string) as { cancelled: unknown[]; slowFinished: number };
    // Timeout: the run goes on with mcp_timeout.
    const model = new ScriptedModel([ScriptedModel.call('evil__slow', { ms: 5_000 }), ScriptedModel.answer('gave up')]);
    const result = await createRuntime({ model, tools: bridge.tools() }).run('go');
    expect(model.requests[1]!.messages.at(-1)).toMatchObject({ isError: true, code: 'mcp_timeout' });
    expect(result.stopReason).toBe('final_answer');
    await until(async () => (await stats()).cancelled.length === 1, 5_000, 'the server to be told of the timeout');
    // Kill: the run stops at once, the server is told.
    const killing = await connect('tools', { name: 'evil2', timeoutMs: 30_000 });
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('evil2__slow', { ms: 20_000 }), ScriptedModel.answer('never')]), tools: killing.tools() });
    let killedAt = 0;
    let stopReason: string | undefined;
    for await (const event of runtime.stream('go')) {
      if (event.type === 'tool_started' && !killedAt) {
        killedAt = Date.now();
        setTimeout(() => void runtime.kill(event.runId, 'operator stop'), 100);
      }
      if (event.type === 'run_finished') stopReason = event.result.stopReason;
    }
    expect(stopReason).toBe('killed');
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    const killedStats = async () => JSON.parse(await toolOf(killing, 'evil2__stats').execute({}, context().ctx) as string) as { cancelled: unknown[]; slowFinished: number };
    await until(async () => (await killedStats()).cancelled.length === 1, 5_000, 'the server to be told of the kill');
    expect((await killedStats()).slowFinished).toBe(0);
    expect((await stats()).slowFinished).toBe(0);
  });
});

describe('hostile stdio server: floods', () => {
  it('survives 100 000 progress notifications in one call; a run records at most 100 of them', async () => {
    const bridge = await connect('tools', { timeoutMs: 30_000 });
    const { value, ms } = await timed(() => call(bridge, 'evil__progress_flood', { count: 100_000 }));
    expect(value).toBe('sent 100000 progress notifications');
    expect(ms).toBeLessThan(25_000);
    const model = new ScriptedModel([ScriptedModel.call('evil__progress_flood', { count: 20_000 }), ScriptedModel.answer('ok')]);
    const runtime = createRuntime({ model, tools: bridge.tools() });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('final_answer');
    const progress = (await runtime.events(result.runId)).filter((event) => event.type === 'tool_progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThanOrEqual(100);
  });

  it('survives 100 000 log notifications: onLog is rate-limited and redacted, the call answers', async () => {
    const logs: McpLogEntry[] = [];
    const bridge = await connect('tools', { timeoutMs: 30_000 }, { onLog: (entry) => logs.push(entry) });
    expect(await call(bridge, 'evil__log_flood', { count: 100_000 })).toBe('sent 100000 log notifications');
    await until(() => logs.some((entry) => /dropped \d+ log messages/.test(entry.message)), 5_000, 'the dropped-messages warning');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.length).toBeLessThan(5_000);
    expect(JSON.stringify(logs)).not.toContain(CANARY);
  });

  it('coalesces a storm of 10 000 list_changed notifications into a few listings', async () => {
    const bridge = await connect('tools', { timeoutMs: 30_000 });
    expect(await call(bridge, 'evil__list_changed_storm', { count: 10_000 })).toBe('sent 10000 list_changed notifications');
    const stats = JSON.parse(await call(bridge, 'evil__stats') as string) as { toolsList: number };
    // One listing at connect, one before each of the three calls, and the storm's refreshes.
    expect(stats.toolsList).toBeLessThan(30);
    expect(bridge.changes).toEqual([]);
  });
});

describe('hostile stdio server: large and lying results', () => {
  it('bounds a 10 MB text, 5 000 parts and a 50 MB image: typed outcomes, the process stays usable', async () => {
    const bridge = await connect('tools', { timeoutMs: 30_000 });
    const text = await call(bridge, 'evil__huge_text', { bytes: 10 * 1024 * 1024 }) as string;
    expect(text.length).toBe(10 * 1024 * 1024);
    expect(await call(bridge, 'evil__many_parts', { count: 5_000 })).toHaveLength(5_000 * 5 - 1);
    const images = await call(bridge, 'evil__many_parts', { count: 5_000, kind: 'image' }) as unknown[];
    expect(images.length).toBeLessThanOrEqual(256);
    expect(images.at(-1)).toEqual({ type: 'text', text: expect.stringContaining('4745 more content parts omitted') });
    const pid = bridge.pid;
    const { value: error, ms } = await timed(() => failure(call(bridge, 'evil__huge_image', { bytes: 50 * 1024 * 1024 })));
    expect(error).toMatchObject({ code: 'mcp_unavailable', message: expect.stringContaining('larger than') });
    expect(ms).toBeLessThan(20_000);
    await until(() => !alive(pid), 10_000, 'the server that sent 67 MB in one line to be stopped');
    expect(await call(bridge, 'evil__echo', { text: 'after the flood' })).toBe('after the flood');
    expect(await failure(call(bridge, 'evil__huge_image', { bytes: 6 * 1024 * 1024 }))).toMatchObject({ code: 'content_too_large' });
  });

  it('bounds them inside a run too: truncated text, typed part errors, the run goes on', async () => {
    const bridge = await connect('tools', { timeoutMs: 30_000 });
    const model = new ScriptedModel([
      ScriptedModel.call('evil__huge_text', { bytes: 10 * 1024 * 1024 }),
      ScriptedModel.call('evil__many_parts', { count: 5_000, kind: 'image' }),
      ScriptedModel.call('evil__huge_image', { bytes: 6 * 1024 * 1024 }),
      ScriptedModel.call('evil__echo', { text: 'alive' }),
      ScriptedModel.answer('done'),
    ]);
    const result = await createRuntime({ model, tools: bridge.tools() }).run('go');
    expect(result.stopReason).toBe('final_answer');
    const last = (index: number) => model.requests[index]!.messages.at(-1) as ToolMessage;
    expect(last(1).code).toBe('tool_output_truncated');
    expect(Array.isArray(last(2).content)).toBe(true);
    expect(last(3)).toMatchObject({ isError: true, code: 'content_too_large' });
    expect(last(4).content).toBe('alive');
  });

  it('refuses bad base64 and non-images, relabels a mislabelled image, never dereferences data:/file: URIs', async () => {
    const bridge = await connect();
    expect(await failure(call(bridge, 'evil__bad_base64'))).toMatchObject({ code: 'content_invalid' });
    expect(await failure(call(bridge, 'evil__not_an_image'))).toMatchObject({ code: 'content_invalid' });
    expect(await call(bridge, 'evil__mislabelled_image')).toEqual([{ type: 'image', mediaType: 'image/png', data: expect.stringMatching(/^iVBOR/) }]);
    const links = await call(bridge, 'evil__uri_links') as { type: string; text?: string }[];
    const text = links.filter((part) => part.type === 'text').map((part) => part.text).join('\n');
    expect(text).toContain('file:///etc/passwd');
    expect(text).toContain('not really the shadow file');
    expect(text.length).toBeLessThan(20_000);
    expect(text).toContain('data:text/plain;base64,AAAA');
  });

  it('refuses a result nested 100 000 levels deep as mcp_output_invalid, keeping the server', async () => {
    const bridge = await connect();
    const pid = bridge.pid;
    expect(await failure(call(bridge, 'evil__deep_result', { depth: 100_000 }))).toMatchObject({ code: 'mcp_output_invalid' });
    expect(bridge.pid).toBe(pid);
    expect(await call(bridge, 'evil__echo', { text: 'same server' })).toBe('same server');
  });

  it('checks output schemas without letting the server stall the process (catastrophic regex, quadratic uniqueItems)', async () => {
    const bridge = await connect();
    expect(await failure(call(bridge, 'evil__structured_mismatch'))).toMatchObject({ code: 'mcp_output_invalid' });
    const redos = await timed(() => call(bridge, 'evil__redos_output', { length: 28 }));
    expect(redos.ms).toBeLessThan(2_000);
    const unique = await timed(() => call(bridge, 'evil__unique_items_output'));
    expect(unique.ms).toBeLessThan(2_000);
  });

  it('names the server option in the unsupported_content error of a text-only model', async () => {
    const bridge = await connect();
    const model = new ScriptedModel([ScriptedModel.call('evil__mislabelled_image'), ScriptedModel.answer('never')], { capabilities: TEXT_ONLY });
    const result = await createRuntime({ model, tools: bridge.tools() }).run('go');
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'unsupported_content', message: expect.stringContaining("media: 'text'") });
    expect(result.error!.message).toContain('"evil"');
    const text = await McpBridge.connect(server('tools', { name: 'plain', media: 'text' }));
    bridges.push(text);
    const textModel = new ScriptedModel([ScriptedModel.call('plain__mislabelled_image'), ScriptedModel.answer('fine')], { capabilities: TEXT_ONLY });
    expect((await createRuntime({ model: textModel, tools: text.tools() }).run('go')).stopReason).toBe('final_answer');
  });
});

describe('hostile stdio server: hostile definitions', () => {
  it('exposes every valid name under a distinct agentrt name that reaches the right tool', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const bridge = await connect('hostile-listing');
    const byOriginal = new Map(bridge.tools().map((tool) => [tool.originalName, tool]));
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '工具', '😀 emoji', 'y'.repeat(300), 'a.b', 'a_b', 'a b', 'a/b', 'ref_loop']) {
      const tool = byOriginal.get(name);
      expect(tool, name).toBeDefined();
      expect(tool!.name, name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(await tool!.execute({}, context().ctx), name).toBe(`called ${name.slice(0, 40)}`);
    }
    expect(new Set(bridge.tools().map((tool) => tool.name)).size).toBe(bridge.tools().length);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('skips definitions it cannot offer, saying why, and keeps the rest', async () => {
    const bridge = await connect('hostile-listing');
    const skipped = new Map(bridge.skipped.map((entry) => [entry.tool, entry.reason]));
    expect(skipped.get('dup')).toBe('duplicate_name');
    for (const name of ['x'.repeat(2_000).slice(0, 200), 'huge_schema', 'deep_schema', 'string_schema', 'array_schema', 'null_schema', 'type_string']) {
      expect([...skipped.entries()].find(([tool]) => tool.startsWith(name.slice(0, 100)))?.[1], name.slice(0, 20)).toBe('invalid_definition');
    }
    expect(bridge.tools().map((tool) => tool.originalName)).not.toContain('dup');
    expect(bridge.tools().some((tool) => tool.name.includes('huge_schema'))).toBe(false);
  });

  it('bounds a listing that never ends: at most 50 pages, and no more than maxMessageBytes in all', async () => {
    const bridge = await connect('endless-pages');
    expect(bridge.tools().length).toBeLessThanOrEqual(Object.keys(HOSTILE_MCP_TOOLS).length + 49 * 100);
    expect(await call(bridge, 'evil__echo', { text: 'listed' })).toBe('listed');
    const error = await failure(McpBridge.connect(server('endless-pages', { maxMessageBytes: 512 * 1024 })));
    expect(error).toMatchObject({ code: 'mcp_output_invalid', message: expect.stringContaining('524288 bytes in all') });
  });

  it('validates each tool against its own outputSchema (shared $id, 2020-12, unresolvable $ref)', async () => {
    const bridge = await connect('hostile-listing');
    expect(JSON.parse(await call(bridge, 'evil__output_same_id_1') as string)).toEqual({ v: 1 });
    expect(JSON.parse(await call(bridge, 'evil__output_same_id_2') as string)).toEqual({ v: 'one' });
    expect(JSON.parse(await call(bridge, 'evil__output_2020') as string)).toEqual({ pair: [1, 'one'] });
    expect(await failure(call(bridge, 'evil__output_remote_ref'))).toMatchObject({ code: 'mcp_output_invalid' });
    expect(await call(bridge, 'evil__echo', { text: 'ok' })).toBe('ok');
  });

  it('applies the tool policy to the server\'s own names', async () => {
    const bridge = await connect('hostile-listing');
    const model = new ScriptedModel([ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: bridge.tools(), toolPolicy: { deny: ['__proto__', '工具', 'a.*', 'echo'] } }).run('go');
    const advertised = model.requests[0]!.tools.map((tool) => tool.name);
    const original = new Map(bridge.tools().map((tool) => [tool.name, tool.originalName]));
    expect(advertised.map((name) => original.get(name))).not.toEqual(expect.arrayContaining(['__proto__']));
    for (const denied of ['__proto__', '工具', 'a.b', 'echo']) expect(advertised.map((name) => original.get(name)), denied).not.toContain(denied);
    expect(advertised.map((name) => original.get(name))).toContain('a_b');
  });
});
