import { MemoryStore, createRuntime, type RunResult } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { chooseModel, createInvoiceRuntime, createScriptedExtractor, extractInvoice, Invoice, readDocument } from '../src/invoice.js';

describe('examples/structured-output', () => {
  it('extracts a typed invoice, repairing the first answer from the validation problems', async () => {
    const model = createScriptedExtractor();
    const result = await extractInvoice(createInvoiceRuntime(model));
    expectTypeOf(result).toEqualTypeOf<RunResult<Invoice>>();
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 3 });
    expect(result.output).toEqual({
      vendor: 'ACME Tools GmbH', invoiceNumber: 'INV-2041', currency: 'EUR', total: 203,
      lines: [{ description: 'Cordless drill', quantity: 2, unitPrice: 89.5 }, { description: 'Drill bit set', quantity: 1, unitPrice: 24 }],
    });
    expect(model.requests[0]!.output).toMatchObject({ name: 'invoice', description: 'The invoice extracted from the document' });
    model.assertDone();
  });

  it('stops with output_invalid when the model never complies, keeping every answer', async () => {
    const store = new MemoryStore();
    const model = new ScriptedModel([ScriptedModel.answer('The vendor is ACME.')], { whenExhausted: 'repeat_last' });
    const runtime = createRuntime({ model, store, tools: [readDocument], output: Invoice });
    const result = await runtime.run('Extract the invoice');
    expect(result).toMatchObject({ status: 'failed', stopReason: 'output_invalid', steps: 3, error: { code: 'output_invalid' } });
    expect(result.output).toBeUndefined();
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('takes a per-run schema over the runtime default', async () => {
    const model = new ScriptedModel([ScriptedModel.json({ vendor: 'ACME Tools GmbH' })]);
    const result = await createInvoiceRuntime(model).run({ input: 'Who sent it?', output: z.object({ vendor: z.string() }) });
    expectTypeOf(result.output).toEqualTypeOf<{ vendor: string } | undefined>();
    expect(result.output).toEqual({ vendor: 'ACME Tools GmbH' });
  });

  it('uses a provider from AGENTRT_MODEL, the embedded model otherwise', () => {
    expect(chooseModel({ AGENTRT_MODEL: 'openai:gpt-4o-mini' })).toBe('openai:gpt-4o-mini');
    expect(chooseModel({})).toBeInstanceOf(ScriptedModel);
  });
});
