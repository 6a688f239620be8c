// RELIABILITY L-02: one 10,000-step run with a trivial tool and a bounded context strategy. Time
// per step must not grow with the step index (last 1,000 steps ÷ first 1,000 ≤ 1.5), nor the bytes
// written per step (± 20 %). Reports both per store and strategy; the first run of each kind is an
// unmeasured warm-up (the JIT), so "first 1,000" is not the compiler's time.
// Run on demand: `pnpm bench:long`. BENCH_STEPS (default 10,000) sizes the run.
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, MemoryStore } from '@agentrt/core';
import { SlidingWindow, TokenBudget } from '@agentrt/context';
import { SqliteStore } from '@agentrt/store-sqlite';
import Database from 'better-sqlite3';
import { z } from 'zod';

const STEPS = Number(process.env.BENCH_STEPS ?? 10_000);
const add = defineTool({ name: 'add', description: 'adds one', input: z.object({ a: z.number() }), execute: ({ a }) => a + 1 });
const dir = mkdtempSync(join(tmpdir(), 'agentrt-long-'));

async function longRun(storeKind, strategyKind, runId) {
  const times = [];
  let n = 0;
  const model = {
    provider: 'scripted', model: 'long',
    async generate() {
      times.push(performance.now());
      n++;
      return { message: { role: 'assistant', content: '', toolCalls: [{ id: `c${n}`, name: 'add', args: { a: n } }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' };
    },
  };
  const path = join(dir, `${runId}.db`);
  const store = storeKind === 'sqlite' ? new SqliteStore({ path, synchronous: 'normal' }) : new MemoryStore();
  const context = strategyKind === 'sliding' ? new SlidingWindow({ maxMessages: 12 }) : new TokenBudget({ maxTokens: 2_000 });
  const result = await createRuntime({ model, tools: [add], store, context, loopDetection: false, limits: { maxSteps: STEPS, maxToolCalls: STEPS, timeoutMs: 3_600_000 } }).run({ input: 'count', runId });
  if (result.stopReason !== 'max_steps' || result.steps !== STEPS) throw new Error(`unexpected ${result.stopReason} after ${result.steps}`);
  await store.close?.();
  const k = Math.floor(STEPS / 10);
  const first = (times[k] - times[0]) / k;
  const last = (times[STEPS - 1] - times[STEPS - 1 - k]) / k;
  let bytes = '';
  if (storeKind === 'sqlite') {
    const db = new Database(path, { readonly: true });
    const size = (i) => db.prepare('SELECT length(data) + coalesce(length(events), 0) + coalesce(length(ledger), 0) AS n FROM agentrt_step_log WHERE key = (SELECT run_no FROM agentrt_runs WHERE run_id = ?) * 4294967296 + ?').get(runId, i).n;
    const early = size(10);
    const late = size(STEPS - 10);
    db.close();
    bytes = ` · stored bytes step ${STEPS - 10} ÷ step 10: ${(late / early).toFixed(2)}× (${late} / ${early} B; target within ±20 %)`;
  }
  return { first, last, ratio: last / first, bytes };
}

for (const storeKind of ['memory', 'sqlite']) {
  for (const strategyKind of ['sliding', 'token-budget']) {
    await longRun(storeKind, strategyKind, `warm-${storeKind}-${strategyKind}`);
    const r = await longRun(storeKind, strategyKind, `run-${storeKind}-${strategyKind}`);
    const label = `${storeKind}, ${strategyKind === 'sliding' ? 'SlidingWindow(12)' : 'TokenBudget(2k)'}`.padEnd(28);
    console.log(`${label} ${STEPS} steps: first 1/10 ${(r.first * 1000).toFixed(1)} µs/step · last 1/10 ${(r.last * 1000).toFixed(1)} µs/step · ratio ${r.ratio.toFixed(2)} (target ≤ 1.5) ${r.ratio <= 1.5 ? 'MET' : 'NOT MET'}${r.bytes}`);
  }
}
rmSync(dir, { recursive: true, force: true });
