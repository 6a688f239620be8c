import { type ContextPrepareContext, type Message, type ModelAdapter, type ModelRequest, type ToolMessage } from '@agentrt/core';
import { Summarize, TruncateToolResults } from '@agentrt/context';
import { describe, expect, it } from 'vitest';

// Text cut at a UTF-16 index can split a surrogate pair (emoji, many CJK and math characters):
// the lone half is not valid text. JSON.stringify escapes it (`"\ud83d"`) and providers refuse
// the request body ("no low surrogate in string") — a 400 every step, for a run that was fine.
const wellFormed = (text: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
const texts = (message: Message): string[] => typeof message.content === 'string' ? [message.content] : message.content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
const ctx = (overflow?: number): ContextPrepareContext => ({
  runId: 'r', stepIndex: 0, signal: new AbortController().signal, tools: [], model: { provider: 'p', model: 'm' },
  addUsage: () => undefined, state: new Map<string, unknown>() as unknown as ContextPrepareContext['state'],
  ...(overflow !== undefined ? { overflow: { messages: overflow } } : {}),
});

describe('TruncateToolResults never splits a surrogate pair', () => {
  it('string and multi-part results, every alignment, first preparation and after an overflow', () => {
    for (let pad = 0; pad < 4; pad++) {
      for (const maxChars of [1_000, 1_001, 1_002, 1_003]) {
        const text = 'x'.repeat(pad) + '😀'.repeat(3_000) + 'y'.repeat(pad);
        const messages: ToolMessage[] = [
          { role: 'tool', toolCallId: 'a', name: 'f', content: text },
          { role: 'tool', toolCallId: 'b', name: 'f', content: [{ type: 'text', text }, { type: 'text', text: '𝔘'.repeat(1_500 + pad) }] },
        ];
        const strategy = new TruncateToolResults({ maxChars });
        for (const context of [ctx(), ctx(2)]) {
          const out = strategy.prepare(messages, context);
          for (const message of out) {
            for (const t of texts(message)) {
              expect(t.length).toBeLessThan(text.length);
              expect(wellFormed(t), `pad ${pad}, maxChars ${maxChars}: ${JSON.stringify(t.slice(580, 620))}`).toBe(true);
            }
          }
        }
      }
    }
  });

  it('a token limit too', () => {
    for (let pad = 0; pad < 4; pad++) {
      for (const maxTokens of [300, 301, 302, 303]) {
        const out = new TruncateToolResults({ maxTokens }).prepare([{ role: 'tool', toolCallId: 'a', name: 'f', content: 'x'.repeat(pad) + '😀'.repeat(5_000) }], ctx());
        expect(wellFormed(texts(out[0]!)[0]!)).toBe(true);
      }
    }
  });
});

describe('Summarize never sends its summarizer a split surrogate pair', () => {
  it('long tool results and tool call arguments are clipped on character boundaries', async () => {
    for (let pad = 0; pad < 2; pad++) {
      const seen: ModelRequest[] = [];
      const model: ModelAdapter = { provider: 'p', model: 's', generate: async (request) => { seen.push(request); return { message: { role: 'assistant', content: 'summary' }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }; } };
      const history: Message[] = [
        { role: 'user', content: 'task' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'f', args: { q: 'x'.repeat(pad) + '😀'.repeat(600) } }] },
        { role: 'tool', toolCallId: 'c1', name: 'f', content: 'x'.repeat(pad) + '😀'.repeat(3_000) },
        { role: 'assistant', content: 'x'.repeat(pad) + '😀'.repeat(3_000) },
        { role: 'user', content: 'next' },
      ];
      await new Summarize({ model, triggerTokens: 100, keepLast: 1 }).prepare(history, ctx());
      expect(seen).toHaveLength(1);
      for (const message of seen[0]!.messages) for (const t of texts(message)) expect(wellFormed(t)).toBe(true);
    }
  });
});
