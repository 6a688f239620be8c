import { createRuntime, defineTool, type AgentRuntime, type ModelAdapter, type ModelRequest, type RunResult } from '@agentrt/core';
import { anthropicProvider } from '@agentrt/model-anthropic';
import { ollamaProvider } from '@agentrt/model-ollama';
import { openaiProvider } from '@agentrt/model-openai';
import { ScriptedModel } from '@agentrt/testing';
import { z } from 'zod';

/** What the agent must answer with: a typed invoice, not a string. */
export const Invoice = z.object({
  vendor: z.string().min(1),
  invoiceNumber: z.string().regex(/^INV-\d+$/, 'an invoice number looks like INV-1234'),
  currency: z.enum(['EUR', 'USD', 'GBP']),
  lines: z.array(z.object({ description: z.string(), quantity: z.number().int().positive(), unitPrice: z.number().nonnegative() })).min(1),
  total: z.number().nonnegative(),
}).meta({ title: 'invoice', description: 'The invoice extracted from the document' });
export type Invoice = z.infer<typeof Invoice>;

/** The document the agent reads through its tool. */
export const DOCUMENT = `ACME Tools GmbH — Invoice INV-2041
2 x Cordless drill @ 89.50 EUR
1 x Drill bit set @ 24.00 EUR
Total due: 203.00 EUR`;

/** A tool the model calls to read the document. */
export const readDocument = defineTool({
  name: 'read_document',
  description: 'Returns the text of the uploaded document',
  input: z.object({}),
  execute: () => DOCUMENT,
});

/**
 * The embedded model, used when no provider is configured: it reads the document, answers
 * with an invoice that breaks the schema (a wrong invoice number, a missing total), then
 * repairs it from the validation problems the runtime feeds back.
 */
export function createScriptedExtractor(): ScriptedModel {
  return new ScriptedModel([
    ScriptedModel.call('read_document', {}),
    ScriptedModel.json({ vendor: 'ACME Tools GmbH', invoiceNumber: '2041', currency: 'EUR', lines: [{ description: 'Cordless drill', quantity: 2, unitPrice: 89.5 }, { description: 'Drill bit set', quantity: 1, unitPrice: 24 }] }),
    (request: ModelRequest) => {
      // The repair request is the newest user message: it names the problems.
      const feedback = String(request.messages.at(-1)?.content ?? '');
      if (!feedback.includes('invoiceNumber') || !feedback.includes('total')) throw new Error('expected the validation problems to be fed back');
      return ScriptedModel.json({ vendor: 'ACME Tools GmbH', invoiceNumber: 'INV-2041', currency: 'EUR', lines: [{ description: 'Cordless drill', quantity: 2, unitPrice: 89.5 }, { description: 'Drill bit set', quantity: 1, unitPrice: 24 }], total: 203 });
    },
  ]);
}

/** Picks the model: `AGENTRT_MODEL` (e.g. `openai:gpt-4o-mini`) if set, else the embedded scripted model (no network). */
export function chooseModel(env: NodeJS.ProcessEnv = process.env): ModelAdapter | string {
  return env.AGENTRT_MODEL ?? createScriptedExtractor();
}

/** A runtime whose runs answer with an `Invoice` by default (`createRuntime({ output })`). */
export function createInvoiceRuntime(model: ModelAdapter | string = createScriptedExtractor()): AgentRuntime<Invoice> {
  return createRuntime({
    model,
    plugins: [openaiProvider(), anthropicProvider(), ollamaProvider()],
    tools: [readDocument],
    output: Invoice,
    maxOutputRepairs: 2,
    limits: { maxSteps: 6, timeoutMs: 60_000 },
  });
}

/** Extracts the invoice: `result.output` is a typed `Invoice` when the run ends with `final_answer`. */
export async function extractInvoice(runtime: AgentRuntime<Invoice> = createInvoiceRuntime()): Promise<RunResult<Invoice>> {
  return runtime.run({ input: 'Extract the invoice from the uploaded document.', system: 'You extract invoices. Read the document with read_document, then answer with the invoice as JSON.' });
}
