// rt18d red team: hostile or damaged run rows in SQLite (a column's affinity keeps any text). A
// counter that is not an integer (`'abc'`, `1.5`, a cost of `'NaN'`) reached the runtime as a
// string or fraction — `stepCount: "abc"` — where PostgreSQL and Redis answer state_corrupt; a
// step or decision time out of range threw a RangeError that read as store_unavailable (an outage
// to retry, forever). Both are state_corrupt naming the run and the column; the other runs list.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), requiresApproval: true, execute: async () => 'ok' });

async function pausedRun() {
  const path = join(mkdtempSync(join(tmpdir(), 'agentrt-rt18d-rows-')), 'runs.db');
  const store = new SqliteStore({ path });
  const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('pay', {}), ScriptedModel.answer('x')]), store, tools: [pay] });
  expect((await runtime.run({ runId: 'r', input: 'go' })).status).toBe('paused');
  return { path, store };
}

describe('rt18d: hostile run rows in SQLite', () => {
  it.each([
    ["UPDATE agentrt_runs SET step_count = 'abc'", /step_count/],
    ['UPDATE agentrt_runs SET step_count = 1.5', /step_count/],
    ["UPDATE agentrt_runs SET tool_calls = 'x'", /tool_calls/],
    ["UPDATE agentrt_runs SET input_tokens = 'many'", /input_tokens/],
    ["UPDATE agentrt_runs SET cost_usd = 'NaN'", /cost_usd/],
    ["UPDATE agentrt_runs SET last_event_seq = 'zz'", /last_event_seq/],
    ['UPDATE agentrt_pending SET at = 1e300', /time/],
    ["UPDATE agentrt_pending SET at = 'x'", /time/],
  ])('%s: getRun and listRuns are state_corrupt naming it', async (sql, named) => {
    const { path, store } = await pausedRun();
    try {
      execFileSync('sqlite3', [path, sql]);
      const error = await store.getRun('r').then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: 'state_corrupt', message: expect.stringMatching(named) });
      await expect(store.listRuns()).rejects.toMatchObject({ code: 'state_corrupt' });
    } finally {
      await store.close();
    }
  });
});
