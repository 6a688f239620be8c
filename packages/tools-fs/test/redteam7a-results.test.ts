import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type AssistantMessage, type ModelAdapter, type ToolMessage } from '@agentrt/core';
import { createFsTools } from '@agentrt/tools-fs';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, describe, expect, it } from 'vitest';

// With the defaults of both sides, a result of the pack must reach the model whole: core cuts
// any tool output past maxToolOutputChars (32 768) out of its middle, which would leave a
// read_file result saying `truncated: false` without its middle and without a nextOffset.
const bases: string[] = [];
afterAll(() => {
  for (const base of bases) rmSync(base, { recursive: true, force: true });
});
const freshRoot = () => {
  const root = mkdtempSync(join(tmpdir(), 'agentrt-fs-rt7a-'));
  bases.push(root);
  return root;
};
const seenBy = (model: ScriptedModel, request: number) => (model.requests[request]!.messages.at(-1) as ToolMessage).content as string;

describe('@agentrt/tools-fs results fit what the runtime passes on (red team 7a)', () => {
  it('a model reading a 300 KB file with default options gets honest cuts and, following nextOffset, the whole file', async () => {
    const root = freshRoot();
    // Lines with quotes and tabs (longer once JSON-escaped) and multi-byte text.
    const text = Array.from({ length: 4_000 }, (_, i) => `line ${i}\t"quoted" — naïve 日本 😀 ${'x'.repeat(i % 40)}`).join('\n');
    writeFileSync(join(root, 'big.txt'), text);
    let joined = '';
    let calls = 0;
    let runtimeCuts = 0;
    let unparsable = 0;
    // A model that follows nextOffset until a read says it is complete.
    const model: ModelAdapter = {
      provider: 'test', model: 'follows-next-offset',
      async generate(request) {
        let offset: number | undefined = 0;
        const last = request.messages.at(-1);
        if (last?.role === 'tool') {
          const content = last.content as string;
          if (content.includes('tool_output_truncated')) runtimeCuts++;
          let result: { content: string; truncated: boolean; nextOffset?: number } | undefined;
          try {
            result = JSON.parse(content) as typeof result;
          } catch {
            unparsable++; // a cut out of the middle of the JSON text
          }
          joined += result?.content ?? '';
          offset = result?.truncated ? result.nextOffset : undefined;
        }
        const message: AssistantMessage = offset === undefined
          ? { role: 'assistant', content: 'read it all' }
          : { role: 'assistant', content: '', toolCalls: [{ id: `read-${calls++}`, name: 'read_file', args: { path: 'big.txt', offset } }] };
        return { message, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: offset === undefined ? 'stop' : 'tool_calls' };
      },
    };
    const runtime = createRuntime({ model, tools: createFsTools({ root }), limits: { maxSteps: 100 } });
    const result = await runtime.run('read big.txt');
    expect(result.stopReason).toBe('final_answer');
    expect({ runtimeCuts, unparsable }).toEqual({ runtimeCuts: 0, unparsable: 0 });
    expect(joined).toBe(text);
    expect(calls).toBeGreaterThan(1);
  });

  it('a listing of 1 000 long names and a search with 200 long matches are cut by the pack, not by the runtime', async () => {
    const root = freshRoot();
    mkdirSync(join(root, 'many'));
    for (let i = 0; i < 1_000; i++) writeFileSync(join(root, 'many', `report-${String(i).padStart(4, '0')}-${'quarterly-summary-'.repeat(3)}.txt`), `needle ${'n'.repeat(300)}`);
    const model = new ScriptedModel([
      ScriptedModel.call('list_dir', { path: 'many' }),
      ScriptedModel.call('search_files', { query: 'needle', maxResults: 200 }),
      ScriptedModel.answer('ok'),
    ]);
    const runtime = createRuntime({ model, tools: createFsTools({ root }) });
    expect((await runtime.run('look')).stopReason).toBe('final_answer');
    const listing = seenBy(model, 1);
    expect(listing).not.toContain('tool_output_truncated');
    expect(JSON.parse(listing)).toMatchObject({ path: 'many', total: 1_000, truncated: true, omitted: expect.any(Number), truncation: expect.stringContaining('more entries not shown') });
    const found = seenBy(model, 2);
    expect(found).not.toContain('tool_output_truncated');
    expect(JSON.parse(found)).toMatchObject({ truncated: true, truncation: expect.any(String) });
  });
});
