// Red team 13b: the documented journeys walked as a new user. `agentrt kill` of a run that has
// already finished answered "kill requested" with exit 0 and left a kill flag behind for the
// finished run, where the console (docs/console.md) refuses the same kill with `run_not_active`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICING, findPrice } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { startAnthropicServer } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { chooseModel } from '../src/index.js';
import { agentrt, freshDb, run } from './__fixtures__/cli-harness.js';

describe('agentrt kill of a finished run (red team 13b)', { timeout: 60_000 }, () => {
  it('is refused with run_not_active (exit 1), records nothing, and the run stays as it was', async () => {
    const db = freshDb();
    expect((await run(db, 'run', 'add', '--run-id', 'done-1')).code).toBe(0);
    const kill = await run(db, 'kill', 'done-1', 'too late');
    expect(kill.code).toBe(1);
    expect(kill.out).toBe('');
    expect(kill.err).toContain('error[run_not_active]');
    expect(kill.err).toContain('completed');
    const store = new SqliteStore({ path: db });
    try {
      expect(await store.getKillFlag('done-1')).toBeUndefined();
      expect((await store.getRun('done-1'))?.status).toBe('completed');
    } finally {
      await store.close();
    }
    // A paused run is still killed (it is finished as killed at once), and an unknown id is run_not_found.
    expect((await run(db, 'run', 'pay', '--run-id', 'paused-1')).code).toBe(2);
    const paused = await run(db, 'kill', 'paused-1', 'no');
    expect(paused).toMatchObject({ code: 0, out: 'kill requested for paused-1: no\n' });
    const unknown = await run(db, 'kill', 'nope-1');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('error[run_not_found]');
  });
});

// `ANTHROPIC_API_KEY` → `anthropic:claude-sonnet-4-5` (docs/cli.md) picked a model the Anthropic SDK
// lists as deprecated (end of life November 30th, 2026): every call printed the SDK's deprecation
// warning on the CLI's stderr, and after that date every run would fail with model_bad_request.
describe('the model the CLI picks for ANTHROPIC_API_KEY (red team 13b)', { timeout: 60_000 }, () => {
  it('runs without the SDK\'s deprecation warning, and has a price (a cost cap works with it)', async () => {
    const server = await startAnthropicServer([{ reply: { text: 'Hello from the loopback.' } }]);
    try {
      const cwd = mkdtempSync(join(tmpdir(), 'agentrt-rt13b-'));
      const env = { OPENAI_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '', ANTHROPIC_API_KEY: 'sk-ant-loopback', ANTHROPIC_BASE_URL: server.url };
      const result = await agentrt(freshDb(), ['run', 'hello'], { config: false, cwd, env }).done;
      expect(result.code, result.err).toBe(0);
      expect(result.out).toContain('Hello from the loopback.');
      expect(result.err).toMatch(/model: anthropic:claude-/);
      expect(result.err).not.toMatch(/deprecated/i);
    } finally {
      await server.close();
    }
    const chosen = chooseModel(undefined, { ANTHROPIC_API_KEY: 'x' }).model as string;
    expect(findPrice(DEFAULT_PRICING, 'anthropic', chosen.slice('anthropic:'.length))).toBeDefined();
  });
});

// docs/cli.md: the store spec is `{ type: 'sqlite', path }`, `{ type: 'postgres', url, schema }` or
// `{ type: 'redis', url, keyPrefix }`, and a misspelt field must not quietly run on defaults — but a
// misspelt `keyprefix` put the runs under the default `agentrt:` prefix (shared with every other
// app on that Redis), and a `synchronous` the spec does not take was dropped without a word.
describe('store spec fields the CLI does not know (red team 13b)', { timeout: 60_000 }, () => {
  it.each([
    [{ type: 'redis', keyprefix: 'mine:' }, 'store.keyprefix', 'did you mean "keyPrefix"'],
    [{ type: 'sqlite', path: 'runs.db', synchronous: 'normal' }, 'store.synchronous', 'the fields are type, path'],
    [{ type: 'postgres', shema: 'agents' }, 'store.shema', 'did you mean "schema"'],
  ])('%j is config_invalid naming the field', async (store, field, hint) => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-rt13b-'));
    const config = join(dir, 'agentrt.config.json');
    writeFileSync(config, JSON.stringify({ model: 'agentrt:demo', store }));
    const result = await agentrt(freshDb(), ['runs'], { config, cwd: dir }).done;
    expect(result.code).toBe(1);
    expect(result.err).toContain(`error[config_invalid] Invalid option "${field}"`);
    expect(result.err).toContain(hint);
  });
});
