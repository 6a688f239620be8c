// prepare() time per step as an agent history grows to 10,000 messages: TokenBudget with the
// per-message token cache, without it, and a naive strategy that re-counts the whole history.
// Run on demand: `pnpm bench:context`. The cached figure should stay flat as the history grows.
import { TokenBudget, o200kTokenizer } from '@agentrt/context';

const ctx = { runId: 'bench', stepIndex: 0, signal: new AbortController().signal, tools: [], model: { provider: 'b', model: 'b' }, addUsage() {}, state: { get() {}, set() {} } };
const text = (i) => `Step ${i}: looked up record ${i * 7919 % 10007}, found status ${['ok', 'pending', 'failed'][i % 3]} and ${i % 17} related items for review.`;

function simulate(label, prepare, maxMessages = 10_000) {
  const history = [{ role: 'system', content: 'You are careful.' }, { role: 'user', content: 'Process every record.' }];
  const marks = new Map([[1_000, []], [2_000, []], [4_000, []], [10_000, []]].filter(([size]) => size <= maxMessages));
  let i = 0;
  while (history.length < maxMessages) {
    history.push({ role: 'assistant', content: '', toolCalls: [{ id: `c${i}`, name: 'lookup', args: { id: i } }] });
    history.push({ role: 'tool', toolCallId: `c${i}`, name: 'lookup', content: text(i) });
    i++;
    const snapshot = history.slice();
    const started = process.hrtime.bigint();
    prepare(snapshot);
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    for (const [size, samples] of marks) if (history.length > size - 100 && history.length <= size) samples.push(micros);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const figures = [...marks].map(([size, samples]) => `${size}: ${median(samples).toFixed(1)} µs`);
  console.log(`${label.padEnd(38)} prepare() per step at history size ${figures.join(' · ')}`);
}

const TokenBudgetHolder = { cached: new TokenBudget({ maxTokens: 8_000 }), uncached: new TokenBudget({ maxTokens: 8_000, cache: false }) };
const naiveCount = (messages) => messages.reduce((n, m) => n + 4 + o200kTokenizer(m.content) + (m.toolCalls ? o200kTokenizer(JSON.stringify(m.toolCalls)) : 0), 0);
// Warm-up (JIT), not reported.
{ const warm = new TokenBudget({ maxTokens: 8_000 }); const log = console.log; console.log = () => {}; simulate('', (h) => warm.prepare(h, ctx), 2_000); console.log = log; }
simulate('TokenBudget(8k) with token cache', (h) => TokenBudgetHolder.cached.prepare(h, ctx));
simulate('TokenBudget(8k) without token cache', (h) => TokenBudgetHolder.uncached.prepare(h, ctx));
simulate('naive: re-count whole history', (h) => naiveCount(h), 4_000);
