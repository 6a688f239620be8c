import { findPairingViolations, type ContentPart, type ContextPrepareContext, type ContextStrategy, type Message, type ModelAdapter } from '@agentrt/core';
import { composeStrategies, SlidingWindow, Summarize, TokenBudget, TruncateToolResults } from '@agentrt/context';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** A PNG header (signature + IHDR) of the given size, as base64: enough for the token estimate to read it. */
const png = (width: number, height: number) => {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return bytes.toString('base64');
};
const imageArb = fc.record({ width: fc.integer({ min: 1, max: 4000 }), height: fc.integer({ min: 1, max: 4000 }) }).map(({ width, height }) => ({ type: 'image' as const, mediaType: 'image/png', data: png(width, height) }));
const pdf = Buffer.from('%PDF-1.4 1 0 obj << /Type /Pages /Count 2 >> endobj 2 0 obj << /Type /Page >> endobj 3 0 obj << /Type /Page >> endobj %%EOF').toString('base64');
/** Text, or text with an image (and sometimes a PDF). */
const contentArb = (maxLength: number) => fc.oneof(
  fc.string({ minLength: 1, maxLength }),
  fc.record({ text: fc.string({ maxLength }), image: imageArb, pdf: fc.boolean() }).map(({ text, image, pdf: withPdf }): ContentPart[] => [
    { type: 'text', text }, image, ...(withPdf ? [{ type: 'file' as const, mediaType: 'application/pdf', data: pdf, filename: 'doc.pdf' }] : []),
  ]),
);

/**
 * Random agent histories: optional system prompt, the task, then user turns and steps with 0–4
 * parallel calls (some failing), text or parts (images, PDFs) in user and tool messages, reasoning
 * (sometimes signed) on every assistant turn, and structured-output repair requests after answers.
 */
const historyArb = fc
  .record({
    system: fc.boolean(),
    task: contentArb(120),
    steps: fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('user' as const), content: contentArb(200) }),
        fc.record({
          kind: fc.constant('step' as const), text: fc.string({ maxLength: 160 }), signed: fc.boolean(), repair: fc.boolean(),
          calls: fc.array(fc.record({ error: fc.boolean(), out: contentArb(600) }), { maxLength: 4 }),
        }),
      ),
      { maxLength: 40 },
    ),
  })
  .map(({ system, task, steps }) => {
    const messages: Message[] = [];
    if (system) messages.push({ role: 'system', content: 'You are careful.' });
    messages.push({ role: 'user', content: task });
    let id = 0;
    let turn = 0;
    for (const step of steps) {
      if (step.kind === 'user') {
        messages.push({ role: 'user', content: step.content });
        continue;
      }
      const calls = step.calls.map(() => ({ id: `c${++id}`, name: 'lookup', args: { q: id } }));
      const reasoning = [{ text: `r${++turn}`, ...(step.signed ? { providerData: { anthropic: { signature: `sig${turn}` } } } : {}) }];
      messages.push({ role: 'assistant', content: step.text, ...(calls.length ? { toolCalls: calls } : {}), reasoning });
      step.calls.forEach((call, i) => messages.push({ role: 'tool', toolCallId: calls[i]!.id, name: 'lookup', content: call.out, ...(call.error ? { isError: true, code: 'tool_failed' } : {}) }));
      if (!calls.length && step.repair) messages.push({ role: 'user', content: 'Your final answer was not accepted: …' });
    }
    return messages;
  });

const context = (): ContextPrepareContext => {
  const state = new Map<string, unknown>();
  return {
    runId: `prop-${Math.random()}`, stepIndex: 0, signal: new AbortController().signal, tools: [],
    model: { provider: 'test', model: 'test' }, addUsage: () => undefined,
    state: { get: (k) => state.get(k), set: (k, v) => void state.set(k, v) },
  };
};

const summarizer: ModelAdapter = {
  provider: 'test', model: 'summarizer',
  generate: async (request) => {
    const text = request.messages[1]!.content;
    // Media is described, never sent as base64; reasoning is left out.
    if (typeof text !== 'string' || text.includes('iVBORw0KGgo') || text.includes(pdf.slice(0, 24)) || /\br\d+\b.*sig/.test(text)) throw new Error('the summarizer saw media data or reasoning');
    return { message: { role: 'assistant', content: `summary(${text.length})` }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' };
  },
};

const strategies: [string, () => ContextStrategy][] = [
  ['SlidingWindow(maxMessages: 5)', () => new SlidingWindow({ maxMessages: 5 })],
  ['SlidingWindow(maxMessages: 1)', () => new SlidingWindow({ maxMessages: 1 })],
  ['SlidingWindow(maxTurns: 3)', () => new SlidingWindow({ maxTurns: 3 })],
  ['TokenBudget(400)', () => new TokenBudget({ maxTokens: 400, reserveOutputTokens: 50 })],
  ['TruncateToolResults(100 chars)', () => new TruncateToolResults({ maxChars: 100 })],
  ['Summarize(trigger 300)', () => new Summarize({ model: summarizer, triggerTokens: 300, keepLast: 2 })],
  ['compose(Truncate, Summarize, TokenBudget)', () => composeStrategies(new TruncateToolResults({ maxTokens: 40 }), new Summarize({ model: summarizer, triggerTokens: 500, keepLast: 3 }), new TokenBudget({ maxTokens: 600 }))],
];

const newestUser = (messages: readonly Message[]) => [...messages].reverse().find((m) => m.role === 'user');

describe('context strategy invariants (property tests)', () => {
  it.each(strategies)('%s: pairs kept together, system and newest user kept, deterministic', async (_name, make) => {
    await fc.assert(
      fc.asyncProperty(historyArb, async (history) => {
        let out: readonly Message[];
        try {
          out = await make().prepare(history, context());
        } catch (error) {
          // The only acceptable failure: the minimum does not fit the budget, as a typed error.
          expect((error as { code?: string }).code).toBe('context_overflow');
          return;
        }
        expect(findPairingViolations(out)).toEqual([]);
        expect(out[0]?.role === 'tool').toBe(false);
        for (const message of history) if (message.role === 'system') expect(out).toContain(message);
        const user = newestUser(history);
        if (user) expect(out.some((m) => m === user || (m.role === 'user' && m.content === user.content))).toBe(true);
        // Reasoning stays with its assistant turn: every kept turn carries exactly the reasoning it had.
        const reasoningOf = new Map(history.filter((m) => m.role === 'assistant').map((m) => [JSON.stringify(m.reasoning), m]));
        for (const message of out) {
          if (message.role !== 'assistant' || message.content.startsWith('Summary')) continue;
          const source = reasoningOf.get(JSON.stringify(message.reasoning));
          expect(source).toBeDefined();
          expect(message.content).toBe(source!.role === 'assistant' && source!.content);
        }
        const again = await make().prepare(history, context());
        expect(again).toEqual(out);
      }),
      { numRuns: 1_000 },
    );
  });

  it('TokenBudget never exceeds its budget when it answers', async () => {
    const budget = new TokenBudget({ maxTokens: 500, reserveOutputTokens: 100 });
    await fc.assert(
      fc.asyncProperty(historyArb, async (history) => {
        let out: readonly Message[];
        try {
          out = budget.prepare(history, context());
        } catch {
          return;
        }
        expect(budget.counter.range(out, 0, out.length)).toBeLessThanOrEqual(400);
      }),
      { numRuns: 1_000 },
    );
  });
});
