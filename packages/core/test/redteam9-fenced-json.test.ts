import { createRuntime } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const Snippet = z.object({ language: z.string(), code: z.string() });
const snippet = { language: 'markdown', code: 'Run:\n```sh\nnpm test\n```\n' };

describe('structured output in a code fence whose JSON holds a code fence', () => {
  it('accepts a fenced answer whose string values contain ``` without a repair', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('```json\n' + JSON.stringify(snippet, null, 2) + '\n```')]);
    const result = await createRuntime({ model, maxOutputRepairs: 0 }).run({ input: 'x', output: Snippet });
    expect(result).toMatchObject({ stopReason: 'final_answer', output: snippet });
    expect(model.calls).toBe(1);
  });

  it('still refuses two fenced blocks with text between them', async () => {
    const model = new ScriptedModel([ScriptedModel.answer('```json\n{"language":"a","code":"b"}\n```\nor\n```json\n{"language":"c","code":"d"}\n```')]);
    const result = await createRuntime({ model, maxOutputRepairs: 0 }).run({ input: 'x', output: Snippet });
    expect(result.stopReason).toBe('output_invalid');
  });
});
