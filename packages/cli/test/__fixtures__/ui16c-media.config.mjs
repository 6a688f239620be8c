// Red team 16c: a tool that returns a real PNG and a PDF (and a remote url part), for the console
// and `agentrt trace` to show. The store path comes from the test (AGENTRT_TEST_DB).
import { defineTool } from '@agentrt/core';
import { buildPdf, buildPng } from '@agentrt/testing';
import { z } from 'zod';

export const PNG = buildPng({ width: 4, height: 3 });
export const PDF = buildPdf('agentrt report');

const tools = [
  defineTool({
    name: 'snapshot', description: 'Returns a screenshot and a report', input: z.object({}),
    execute: () => [
      { type: 'text', text: 'snapshot taken' },
      { type: 'image', mediaType: 'image/png', data: PNG.toString('base64') },
      { type: 'file', mediaType: 'application/pdf', data: PDF.toString('base64'), filename: 'report.pdf' },
      { type: 'image', mediaType: 'image/png', url: 'http://203.0.113.9/remote.png' },
    ],
  }),
];

const model = {
  provider: 'scripted',
  model: 'ui16c-fixture',
  capabilities: { imageTypes: ['*'], fileTypes: ['*'], partsInToolResults: true, imageUrls: true, fileUrls: true, structuredOutput: false, reasoning: true },
  async generate(request) {
    const done = request.messages.some((m) => m.role === 'tool');
    return done
      ? { message: { role: 'assistant', content: 'seen it', reasoning: [{ text: 'the <b>image</b> is 4×3' }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'stop' }
      : { message: { role: 'assistant', content: '', toolCalls: [{ id: 'snap-1', name: 'snapshot', args: {} }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' };
  },
};

export default {
  model,
  tools,
  store: { type: 'sqlite', path: process.env.AGENTRT_TEST_DB },
  limits: { maxSteps: 10, maxToolCalls: 10, timeoutMs: 60_000 },
};
