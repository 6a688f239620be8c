import { createRuntime, MemoryStore, type ContentPart, type ToolMessage } from '@agentrt/core';
import { assertRunInvariants, ScriptedModel } from '@agentrt/testing';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makePdf, makePng, pngSize } from '../src/media.js';
import { chooseModel, createScriptedViewer, createVisionRuntime, INPUT, lookAtThings, onTextOnlyModel, PHOTO, REPORT, SCREENSHOT } from '../src/vision.js';

describe('examples/vision', () => {
  it('sends an image and a PDF in, gets an image back from a tool, and answers from what it saw', async () => {
    const store = new MemoryStore();
    const model = createScriptedViewer();
    const result = await lookAtThings(createVisionRuntime(model, store));
    expect(result).toMatchObject({ stopReason: 'final_answer', steps: 2, toolCalls: 1 });
    expect(result.output).toBe('I looked at 2 images (64×48, 320×200) and the PDF report.');
    const tool = model.requests[1]!.messages.find((m): m is ToolMessage => m.role === 'tool')!;
    expect((tool.content as ContentPart[])[1]).toEqual({ type: 'image', mediaType: 'image/png', data: SCREENSHOT.toString('base64') });
    const events = JSON.stringify(await store.listEvents(result.runId));
    expect(events).not.toContain(PHOTO.toString('base64').slice(0, 64));
    expect(events).toContain('"sha256"');
    await assertRunInvariants({ store, runId: result.runId, result });
  });

  it('refuses the parts for a text-only model before any call, with unsupported_content', async () => {
    const refused = await onTextOnlyModel();
    expect(refused).toMatchObject({ status: 'failed', stopReason: 'error', steps: 0, error: { code: 'unsupported_content' } });
    expect(refused.error?.message).toContain('example:text-only-1');
  });

  it('rejects an image over the size limit before the run exists', async () => {
    const store = new MemoryStore();
    const runtime = createRuntime({ model: new ScriptedModel([]), store, limits: { maxPartBytes: 100 } });
    await expect(runtime.run({ input: INPUT })).rejects.toMatchObject({ code: 'content_too_large' });
    expect(await store.listRuns()).toEqual([]);
  });

  it('makes real PNG and PDF files', () => {
    const png = makePng(3, 2, () => [1, 2, 3]);
    expect(pngSize(png)).toEqual({ width: 3, height: 2 });
    const idat = png.subarray(png.indexOf('IDAT') + 4, png.indexOf('IEND') - 8);
    expect(inflateSync(idat).length).toBe((3 * 3 + 1) * 2);
    const pdf = makePdf('hi (there)').toString('latin1');
    expect(pdf.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf).toContain('(hi \\(there\\)) Tj');
    const xref = Number(/startxref\n(\d+)/.exec(pdf)![1]);
    expect(pdf.slice(xref, xref + 4)).toBe('xref');
    expect(REPORT.length).toBeGreaterThan(100);
  });

  it('uses a provider from AGENTRT_MODEL, the embedded model otherwise', () => {
    expect(chooseModel({ AGENTRT_MODEL: 'anthropic:claude-sonnet-4-6' })).toBe('anthropic:claude-sonnet-4-6');
    expect(chooseModel({})).toBeInstanceOf(ScriptedModel);
  });
});
