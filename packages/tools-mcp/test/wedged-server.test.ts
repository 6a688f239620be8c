import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type ToolMessage } from '@agentrt/core';
import { McpBridge, type McpLogEntry, type McpServerConfig } from '@agentrt/tools-mcp';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, childPids, context, fixture, textOf, toolOf, until } from './helpers.js';

// A stdio server that stays alive but wedges — stops reading its stdin, or stops writing — must
// not hold a run or our memory: the call times out (or fails at the memory bound), the process
// is stopped, and the next call runs on a new one. The fixture wedges only on its first start.
const dir = mkdtempSync(join(tmpdir(), 'agentrt-wedged-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
  await until(() => wedgedPids().length === 0, 10_000, 'every wedged server process to be gone');
});
const wedgedPids = () => childPids().filter((child) => child.command.includes('wedged-server')).map((child) => child.pid);
let markers = 0;
const connect = async (mode: string, extra: Partial<McpServerConfig> = {}) => {
  const logs: McpLogEntry[] = [];
  const bridge = await McpBridge.connect({ name: 'w', command: process.execPath, args: [fixture('wedged-server.mjs'), mode, join(dir, `marker-${markers++}`)], timeoutMs: 1_000, ...extra } as McpServerConfig, { onLog: (entry) => logs.push(entry) });
  bridges.push(bridge);
  return { bridge, logs };
};
const toolResult = (model: ScriptedModel, request: number) => model.requests[request]!.messages.at(-1) as ToolMessage;

describe('a wedged stdio server', () => {
  for (const mode of ['stop-reading', 'stop-writing']) {
    it(`${mode} after the handshake: the call is mcp_timeout, the process is stopped, the next call of the run starts a new server`, async () => {
      const { bridge, logs } = await connect(mode);
      const first = bridge.pid!;
      expect(alive(first)).toBe(true);
      const model = new ScriptedModel([
        ScriptedModel.call('w__echo', { text: 'swallowed' }),
        ScriptedModel.call('w__whoami'),
        ScriptedModel.call('w__echo', { text: 'answered' }),
        ScriptedModel.answer('done'),
      ]);
      const result = await createRuntime({ model, tools: bridge.tools() }).run('go');
      expect(result.stopReason).toBe('final_answer');
      expect(toolResult(model, 1)).toMatchObject({ isError: true, code: 'mcp_timeout' });
      // The very next call already runs on a new process (it waited for the health check).
      const second = Number(textOf(toolResult(model, 2)));
      expect(second).toBeGreaterThan(0);
      expect(second).not.toBe(first);
      expect(textOf(toolResult(model, 3))).toBe('answered');
      expect(bridge.pid).toBe(second);
      await until(() => !alive(first), 10_000, 'the wedged process to be gone');
      expect(logs.some((entry) => entry.level === 'warning' && entry.message.includes(`stopping it (pid ${first})`))).toBe(true);
    });
  }

  it('stops reading inside a large call: the unread bytes at the timeout mark it wedged without waiting for a ping', async () => {
    const { bridge, logs } = await connect('stop-reading-on-call', { timeoutMs: 1_000 });
    const first = bridge.pid!;
    const model = new ScriptedModel([
      // More than the socket pair between the processes holds: the rest stays in our stdin buffer.
      ScriptedModel.call('w__echo', { text: 'x'.repeat(2 * 1024 * 1024) }),
      ScriptedModel.call('w__whoami'),
      ScriptedModel.answer('done'),
    ]);
    const result = await createRuntime({ model, tools: bridge.tools() }).run('go');
    expect(result.stopReason).toBe('final_answer');
    expect(toolResult(model, 1)).toMatchObject({ isError: true, code: 'mcp_timeout' });
    const second = Number(textOf(toolResult(model, 2)));
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);
    await until(() => !alive(first), 10_000, 'the wedged process to be gone');
    expect(logs.some((entry) => entry.level === 'warning' && entry.message.includes('stopped reading its stdin'))).toBe(true);
  });

  it('parallel calls whose requests back up past maxMessageBytes end the connection at once, not at the timeout', async () => {
    // Eight parallel calls of 200 KB each against 256 KB: the eight listings go out first and are
    // answered, then the server stops reading inside the first call. What the socket pair between
    // the processes holds (a few hundred KB) is written; past it, Node would keep every later line
    // in memory: at maxMessageBytes of unread requests the connection ends.
    const { bridge } = await connect('stop-reading-on-call', { timeoutMs: 120_000, maxMessageBytes: 256 * 1024 });
    const first = bridge.pid!;
    const tool = toolOf(bridge, 'w__echo');
    const big = 'x'.repeat(200 * 1024);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, index) => tool.execute({ text: big }, context(`c${index}`).ctx)));
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as { code: string; message: string };
      expect(error.code).toBe('mcp_unavailable');
      expect(error.message).toContain('stopped reading its stdin');
    }
    expect(await tool.execute({ text: 'recovered' }, context('after').ctx)).toBe('recovered');
    await until(() => !alive(first), 10_000, 'the wedged process to be gone');
    expect(bridge.pid).not.toBe(first);
  }, 60_000);
});

// Red team: several calls time out together on a wedged server; exactly one restart follows, no
// process is left behind, and calls right after work.
describe('a wedged stdio server (red team)', () => {
  for (const mode of ['stop-writing', 'stop-reading']) {
    it(`${mode}: parallel calls all time out, then one new process serves parallel calls`, async () => {
      const { bridge } = await connect(mode);
      const first = bridge.pid!;
      const echo = toolOf(bridge, 'w__echo');
      const whoami = toolOf(bridge, 'w__whoami');
      const stuck = await Promise.allSettled(Array.from({ length: 4 }, (_, index) => echo.execute({ text: `s${index}` }, context(`s${index}`).ctx)));
      for (const outcome of stuck) expect(outcome.status === 'rejected' && (outcome.reason as { code: string }).code).toBe('mcp_timeout');
      const pids = await Promise.all(Array.from({ length: 4 }, (_, index) => whoami.execute({}, context(`w${index}`).ctx)));
      expect(new Set(pids).size).toBe(1);
      expect(Number(pids[0])).not.toBe(first);
      await until(() => !alive(first), 10_000, 'the wedged process to be gone');
      expect(wedgedPids()).toEqual([Number(pids[0])]);
    }, 30_000);
  }
});
