import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpBridge, type McpServerConfig } from '@agentrt/tools-mcp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { alive, childPids, context, fixture, toolOf, until } from './helpers.js';

// Red team (wedged stdio server): several calls time out together on a wedged server; exactly one
// restart follows, no process is left behind, and calls right after work.
const dir = mkdtempSync(join(tmpdir(), 'agentrt-wedged-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bridges: McpBridge[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
  await until(() => wedgedPids().length === 0, 10_000, 'every wedged server process to be gone');
});
const wedgedPids = () => childPids().filter((child) => child.command.includes('wedged-server')).map((child) => child.pid);

describe('a wedged stdio server (red team)', () => {
  for (const mode of ['stop-writing', 'stop-reading']) {
    it(`${mode}: parallel calls all time out, then one new process serves parallel calls`, async () => {
      const bridge = await McpBridge.connect({ name: 'w', command: process.execPath, args: [fixture('wedged-server.mjs'), mode, join(dir, `m-${mode}`)], timeoutMs: 1_000 } as McpServerConfig);
      bridges.push(bridge);
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
