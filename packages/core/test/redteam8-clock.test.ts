/**
 * Red team 8 (held): step_finished.durationMs ignores wall-clock jumps (Date.now mocked back by an
 * hour mid-run), and a process that ran a run exits at once (no handle left by the turn probe).
 */
import { spawn } from 'node:child_process';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { loopingModel } from './helpers.js';

afterEach(() => vi.restoreAllMocks());

describe('clocks and handles', () => {
  it('durationMs stays small and non-negative while Date.now jumps back and forth', async () => {
    const real = Date.now.bind(Date);
    let flip = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => real() + (flip++ % 2 === 0 ? -3_600_000 : 3_600_000));
    const tool = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => i });
    const store = new MemoryStore();
    const result = await createRuntime({ model: loopingModel(), tools: [tool], store, limits: { maxSteps: 20, maxToolCalls: 20 } }).run('go');
    expect(result.stopReason).toBe('max_steps');
    const durations = (await store.listEvents(result.runId)).flatMap((e) => (e.type === 'step_finished' ? [(e as { durationMs: number }).durationMs] : []));
    expect(durations).toHaveLength(20);
    for (const ms of durations) expect(ms >= 0 && ms < 60_000).toBe(true);
  });

  it('a process that ran a starved run to its end exits promptly', async () => {
    const script = `
      import { createRuntime, defineTool } from '@agentrt/core';
      import { z } from 'zod';
      let n = 0;
      const model = { provider: 'p', model: 'm', async generate() { n++; return { message: { role: 'assistant', content: '', toolCalls: [{ id: 'c' + n, name: 't', args: { i: n } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }; } };
      const tool = defineTool({ name: 't', description: 't', input: z.object({ i: z.number() }), execute: ({ i }) => i });
      const runtime = createRuntime({ model, tools: [tool], limits: { maxSteps: 3000, maxToolCalls: 3000, timeoutMs: 3_600_000 } });
      const result = await runtime.run('go');
      console.log(result.stopReason);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let printedAt = 0;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      printedAt ||= performance.now();
    });
    child.stderr.on('data', (chunk) => (out += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(out.trim()).toBe('max_steps');
    expect(code).toBe(0);
    // No timer or probe left holding the process (its 1 h deadline is cleared when the run ends).
    expect(performance.now() - printedAt).toBeLessThan(10_000);
  }, 60_000);
});
