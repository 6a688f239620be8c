// Smoke check of `pnpm bench:peers` argument parsing: `node --test bench/peers/`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions, RUNTIMES } from './options.mjs';

test('defaults: every runtime, 3 rounds, synchronous=normal, writes results', () => {
  const options = parseOptions([]);
  assert.deepEqual(options.runtimes, RUNTIMES.map((r) => r.name));
  assert.equal(options.rounds, 3);
  assert.equal(options.synchronous, 'normal');
  assert.equal(options.write, true);
});

test('--quick means one round and a shorter sampling budget unless --rounds says otherwise', () => {
  assert.equal(parseOptions(['--quick']).rounds, 1);
  assert.ok(parseOptions(['--quick']).budgetMs < parseOptions([]).budgetMs);
  assert.equal(parseOptions(['--quick', '--rounds=2']).rounds, 2);
});

test('--only keeps table order and always keeps the bare loop', () => {
  assert.deepEqual(parseOptions(['--only=agentrt,langgraph']).runtimes, ['bare', 'langgraph', 'agentrt']);
});

test('rejects unknown runtimes and malformed options', () => {
  assert.throws(() => parseOptions(['--only=mastra']), /unknown runtime/);
  for (const bad of ['--rounds=0', '--rounds=x', '--synchronous=fast', '--only=', '--quick=1', '--fast']) {
    assert.throws(() => parseOptions([bad]), /unknown or malformed option/, bad);
  }
});
