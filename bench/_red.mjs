import { Redactor } from '@agentrt/core';
const r = new Redactor();
const ev = { type: 'model_response', stepIndex: 3, message: { role: 'assistant', content: '', toolCalls: [{ id: 'c4010', name: 'add', args: { a: 4010, b: 1 } }] }, usage: { inputTokens: 10, outputTokens: 5, costUsd: 0 }, finishReason: 'tool_calls' };
const ev2 = { type: 'tool_finished', stepIndex: 3, toolCallId: 'c4010', name: 'add', isError: false, content: '4011', durationMs: 0 };
for (const [name, e] of [['model_response', ev], ['tool_finished', ev2]]) {
  for (let i = 0; i < 1e5; i++) r.value(e);
  const N = 1e6; const t = performance.now(); for (let i = 0; i < N; i++) r.value(e); console.log(name, ((performance.now() - t) * 1000 / N).toFixed(3), 'µs');
}
console.log('text(tool_calls)'); { const N = 1e6; const t = performance.now(); for (let i = 0; i < N; i++) r.text('tool_calls'); console.log(((performance.now() - t) * 1000 / N).toFixed(3), 'µs'); }
