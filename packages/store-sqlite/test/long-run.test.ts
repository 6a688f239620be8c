import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRuntime, defineTool, findPairingViolations, type ContextStrategy, type ModelAdapter } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { assertRunInvariants } from '@agentrt/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const dir = mkdtempSync(join(tmpdir(), 'agentrt-sqlite-l02-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a 10,000-step run on SQLite (RELIABILITY L-02)', () => {
  it('makes exactly 10,000 model calls, every request valid and bounded, and stores as many bytes per step late as early', async () => {
    // The task and the newest messages (a sliding window); it only reads what it is given.
    const window: ContextStrategy = { name: 'window', borrowsHistory: true, prepare: (messages) => (messages.length <= 11 ? messages : [messages[0]!, ...messages.slice(-10)]) };
    const add = defineTool({ name: 'add', description: 'adds one', input: z.object({ a: z.number() }), sideEffects: 'idempotent', execute: ({ a }) => a + 1 });
    let n = 0;
    let largest = 0;
    const violations: string[] = [];
    const model: ModelAdapter = {
      provider: 'scripted',
      model: 'long',
      async generate(request) {
        largest = Math.max(largest, request.messages.length);
        if (findPairingViolations(request.messages).length > 0) violations.push(`request ${n}`);
        n++;
        return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
      },
    };
    const path = join(dir, 'long.db');
    const store = new SqliteStore({ path, synchronous: 'normal' });
    const result = await createRuntime({ model, tools: [add], store, context: window, loopDetection: false, limits: { maxSteps: 10_000, maxToolCalls: 10_000, timeoutMs: 240_000 } }).run({ input: 'count', runId: 'long' });
    expect(result).toMatchObject({ stopReason: 'max_steps', steps: 10_000 });
    expect(n).toBe(10_000);
    expect(violations).toEqual([]);
    expect(largest).toBeLessThanOrEqual(11);
    await assertRunInvariants({ store, runId: 'long', result });
    await store.close();
    // Bytes stored per step (record, events, ledger), the first 1,000 steps against the last 1,000: within ±20 %.
    const db = new Database(path, { readonly: true });
    const bytes = (from: number, to: number) => (db.prepare('SELECT sum(length(data) + coalesce(length(events), 0) + coalesce(length(ledger), 0)) AS n FROM agentrt_step_log WHERE key >= ? AND key < ?').get(...[from, to].map((i) => (db.prepare("SELECT run_no FROM agentrt_runs WHERE run_id = 'long'").get() as { run_no: number }).run_no * 4_294_967_296 + i)) as { n: number }).n;
    const early = bytes(0, 1_000);
    const late = bytes(9_000, 10_000);
    db.close();
    expect(early).toBeGreaterThan(0);
    expect(late / early).toBeGreaterThan(0.8);
    expect(late / early).toBeLessThan(1.2);
  }, 240_000);
});
