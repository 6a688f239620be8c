// Redaction of long text, and a realistic step whose tool returns ~20 KB of JSON. Every model
// answer, tool output and audit event passes through the redactor, so its cost per character is
// part of every real step (the trivial `add` step of loop.bench.mjs hides it: its strings are short).
// Prints µs per text() and ns per character for typical long texts, then µs per step of a
// 50-step run whose tool returns a 20 KB JSON page (with a `next_page_token` field, so the
// detectors run), against the same bare loop without redaction.
// Run on demand: `pnpm bench:redaction` (after `pnpm build`: node bench/redaction.bench.mjs).
import 'reflect-metadata';
import { createRuntime, defineTool, MemoryStore, Redactor } from '@agentrt/core';
import { z } from 'zod';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/** Median µs of `fn` over 9 samples of ≥ 50 ms each (after a warm-up). */
function time(fn) {
  for (let i = 0; i < 20; i++) fn();
  const samples = [];
  for (let round = 0; round < 9; round++) {
    let n = 0;
    const started = performance.now();
    do {
      fn();
      n++;
    } while (performance.now() - started < 50);
    samples.push(((performance.now() - started) * 1000) / n);
  }
  return median(samples);
}

const texts = {
  'English prose': 'The agent reads the page, extracts the relevant facts and writes a short answer with citations. '.repeat(400),
  'JSON records': JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i}`, url: `https://example.com/items/${i}`, tags: ['a', 'b'] }))),
  'JSON with a "token" field': JSON.stringify({ items: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i}`, url: `https://example.com/items/${i}` })), next_page_token: 'p2' }),
  'log lines (KEY=value)': Array.from({ length: 600 }, (_, i) => `2026-11-26T10:00:${String(i % 60).padStart(2, '0')}Z INFO worker=${i % 8} job=${i} STATUS=ok elapsed_ms=${i * 3}`).join('\n'),
};
console.log('Redactor.text() on long text (a fresh redactor per text; the "again" column is the same string a second time):');
console.log('  text                           chars     µs   ns/char   again µs');
for (const [name, text] of Object.entries(texts)) {
  // A different string each call (no memo): the cost of a first look.
  let n = 0;
  const variants = Array.from({ length: 64 }, (_, i) => `${text} ${i}`);
  const redactor = new Redactor();
  const first = time(() => redactor.text(variants[n++ & 63]));
  const again = time(() => redactor.text(variants[0]));
  console.log(`  ${name.padEnd(30)} ${String(text.length).padStart(6)} ${first.toFixed(0).padStart(6)} ${((first * 1000) / text.length).toFixed(1).padStart(9)} ${again.toFixed(1).padStart(10)}`);
}

// A realistic step: the model asks for the next page, the tool returns ~20 KB of JSON.
const page = JSON.stringify({ items: Array.from({ length: 250 }, (_, i) => ({ id: i, name: `item ${i}`, url: `https://example.com/items/${i}`, tags: ['a', 'b'] })), next_page_token: 'abc' });
const input = z.object({ page: z.number() });
const fetchPage = defineTool({ name: 'fetch_page', description: 'Fetches a page of results', input, execute: async ({ page: p }) => page.replace('abc', `t${p}`) });
const model = () => {
  let n = 0;
  return {
    provider: 'bench',
    model: 'bench-1',
    async generate() {
      n++;
      return { message: { role: 'assistant', content: 'Let me look at the next page of results.', toolCalls: [{ id: `c${n}`, name: 'fetch_page', args: { page: n } }] }, usage: { inputTokens: 1000, outputTokens: 50 }, finishReason: 'tool_calls' };
    },
  };
};
const STEPS = 50;
async function bare() {
  const m = model();
  const messages = [{ role: 'user', content: 'go' }];
  for (let i = 0; i < STEPS; i++) {
    const response = await m.generate({ messages, tools: [fetchPage.spec] });
    const call = response.message.toolCalls[0];
    const output = await fetchPage.execute(input.parse(call.args), {});
    messages.push(response.message, { role: 'tool', toolCallId: call.id, name: call.name, content: String(output) });
  }
}
async function agentrt() {
  const result = await createRuntime({ model: model(), tools: [fetchPage], store: new MemoryStore(), limits: { maxSteps: STEPS, maxToolCalls: STEPS, maxTokens: 1e12 } }).run('go');
  if (result.steps !== STEPS) throw new Error(`unexpected ${result.stopReason}`);
}
async function timeRuns(fn) {
  for (let i = 0; i < 5; i++) await fn();
  const samples = [];
  for (let round = 0; round < 9; round++) {
    let n = 0;
    const started = performance.now();
    do {
      await fn();
      n++;
    } while (performance.now() - started < 100);
    samples.push(((performance.now() - started) * 1000) / (n * STEPS));
  }
  return median(samples);
}
const b = await timeRuns(bare);
const a = await timeRuns(agentrt);
console.log(`a step whose tool returns ${page.length} characters of JSON (${STEPS}-step runs, median of 9):`);
console.log(`  bare loop (no redaction, no audit): ${b.toFixed(1)} µs/step · agentrt: ${a.toFixed(0)} µs/step (${(a / b).toFixed(0)}×)`);
