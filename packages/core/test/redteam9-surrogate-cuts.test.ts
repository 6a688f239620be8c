import { createRuntime, defineTool, type Message, type ModelRequest } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

/** Whether some text sent to the model holds a lone UTF-16 surrogate half (providers refuse such a request body). */
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const texts = (messages: readonly Message[]) => messages.flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.flatMap((p) => (p.type === 'text' ? [p.text] : []))));
const hasLone = (request: ModelRequest) => texts(request.messages).some((text) => LONE.test(text));

describe('text the runtime clips and sends to the model never splits a surrogate pair', () => {
  // Paddings 0–1 move the emoji boundary across the cut (an emoji is 2 UTF-16 units).
  for (const pad of [0, 1]) {
    it(`structured-output repair message: schema clipped at 4 000 characters (pad ${pad})`, async () => {
      const schema = z.object({ n: z.number().describe('x'.repeat(pad) + '😀'.repeat(3_000)) });
      const model = new ScriptedModel([ScriptedModel.answer('nope'), ScriptedModel.answer('{"n":1}')]);
      const result = await createRuntime({ model }).run({ input: 'x', output: schema });
      expect(result.stopReason).toBe('final_answer');
      expect(hasLone(model.requests[1]!)).toBe(false);
    });

    it(`structured-output repair message: problems clipped at 300 characters (pad ${pad})`, async () => {
      const schema = z.object({ n: z.number().refine((n) => n > 1, 'y'.repeat(pad) + '🎉'.repeat(400)) });
      const model = new ScriptedModel([ScriptedModel.answer('{"n":1}'), ScriptedModel.answer('{"n":2}')]);
      await createRuntime({ model }).run({ input: 'x', output: schema });
      expect(hasLone(model.requests[1]!)).toBe(false);
    });

    it(`finalize transcript: tool-call arguments clipped at 2 000 characters (pad ${pad})`, async () => {
      const tool = defineTool({ name: 't', description: 'd', input: z.object({ s: z.string() }), execute: () => 'ok' });
      const model = new ScriptedModel([(request: ModelRequest, i: number) => (request.tools.length ? ScriptedModel.call('t', { s: 'z'.repeat(pad + i) + '😀'.repeat(2_000) }) : ScriptedModel.answer('done'))], { whenExhausted: 'cycle' });
      const result = await createRuntime({ model, tools: [tool], limits: { maxSteps: 2, finalize: true } }).run('x');
      expect(result).toMatchObject({ stopReason: 'max_steps', finalized: true });
      expect(model.requests.at(-1)!.tools).toEqual([]);
      expect(hasLone(model.requests.at(-1)!)).toBe(false);
    });

    it(`tool_args_invalid result: non-JSON arguments previewed at 200 characters (pad ${pad})`, async () => {
      const tool = defineTool({ name: 't', description: 'd', input: z.object({ s: z.string() }), execute: () => 'ok' });
      const raw = `{"s": "${'w'.repeat(pad + 1)}${'😀'.repeat(300)}`; // not closed: not JSON
      const model = new ScriptedModel([{ message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 't', args: raw }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }, ScriptedModel.answer('ok')]);
      await createRuntime({ model, tools: [tool] }).run('x');
      const result = model.requests[1]!.messages.find((m) => m.role === 'tool')!;
      expect(result).toMatchObject({ isError: true });
      expect(hasLone(model.requests[1]!)).toBe(false);
    });
  }
});

describe("V8's JSON.parse error message, which quotes the input cut mid-pair, is sent well-formed", () => {
  const emoji = '😀'.repeat(100);
  it('in the structured-output repair message', async () => {
    const model = new ScriptedModel([ScriptedModel.answer(`x${emoji}`), ScriptedModel.answer('{"n":1}')]);
    await createRuntime({ model }).run({ input: 'x', output: z.object({ n: z.number() }) });
    expect(String(model.requests[1]!.messages.at(-1)!.content)).toContain('not valid JSON');
    expect(hasLone(model.requests[1]!)).toBe(false);
  });

  it('in the tool_args_invalid result', async () => {
    const tool = defineTool({ name: 't', description: 'd', input: z.object({ s: z.string() }), execute: () => 'ok' });
    const model = new ScriptedModel([{ message: { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 't', args: `x${emoji}` }] }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'tool_calls' }, ScriptedModel.answer('ok')]);
    await createRuntime({ model, tools: [tool] }).run('x');
    expect(hasLone(model.requests[1]!)).toBe(false);
  });
});
