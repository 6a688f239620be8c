import { EventLog } from '../packages/core/dist/loop/event-log.js';
import { Redactor } from '../packages/core/dist/governance/redactor.js';
const r = new Redactor();
const log = new EventLog('3d256d4f-fa17-4b86-a4b5-faf439094d53', { seq: 0, hash: undefined }, r, false, undefined, undefined);
const mk = (i) => [
  { type: 'step_started', stepIndex: i },
  { type: 'model_request', stepIndex: i, messageCount: 3, historyMessages: 3, repairedPairs: 0, tools: ['add'], attempt: 1 },
  { type: 'model_response', stepIndex: i, message: { role: 'assistant', content: '', toolCalls: [{ id: `c${i}`, name: 'add', args: { a: i, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' },
  { type: 'tool_started', stepIndex: i, toolCallId: `c${i}`, name: 'add', args: { a: i, b: 1 } },
  { type: 'tool_finished', stepIndex: i, toolCallId: `c${i}`, name: 'add', isError: false, content: String(i + 1), durationMs: 0 },
  { type: 'step_finished', stepIndex: i, usage: { inputTokens: 10, outputTokens: 5, costUsd: 0 }, toolCalls: 1, toolCallsRefused: 0, durationMs: 0 },
];
for (let round = 0; round < 5; round++) {
  const N = 200_000; const t = performance.now();
  for (let i = 0; i < N; i++) { for (const e of mk(i)) log.emit(e); if ((i & 7) === 7) log.markWritten(log.unwritten.length); }
  console.log('6 events/step:', ((performance.now() - t) * 1000 / N).toFixed(3), 'µs');
}
