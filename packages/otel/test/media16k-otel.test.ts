// media16k: a run whose input and tool results hold a real PNG and PDF, through the OpenAI adapter
// (official SDK, loopback provider) and a SQLite store, traced with content capture on: no span
// attribute or event holds the media's base64, and the whole trace stays small.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool } from '@agentrt/core';
import { OpenAIModel } from '@agentrt/model-openai';
import { createOtelHooks } from '@agentrt/otel';
import { SqliteStore } from '@agentrt/store-sqlite';
import { buildPdf, buildPng, startOpenAIServer } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { telemetry, useContextManager } from './harness.js';

let disposeContext: () => void;
beforeAll(() => {
  disposeContext = useContextManager();
});
afterAll(() => disposeContext());

const PNG = buildPng({ width: 300, height: 200 }).toString('base64');
const PDF = buildPdf('Quarterly revenue: 42 million').toString('base64');

describe('media16k: otel spans of a media run', () => {
  it('with content capture on, spans carry digests of the PNG and PDF, never their base64, and stay bounded', async () => {
    const t = telemetry();
    await using provider = await startOpenAIServer([
      { reply: { toolCalls: [{ id: 'call_1', name: 'chart', args: { n: 1 } }] } },
      { reply: { toolCalls: [{ id: 'call_2', name: 'chart', args: { n: 2 } }] } },
      { reply: { text: 'growth' } },
    ]);
    const chart = defineTool({
      name: 'chart', description: 'the chart and the report', input: z.object({ n: z.number() }),
      execute: async () => [{ type: 'text', text: 'chart and report' }, { type: 'image', mediaType: 'image/png', data: PNG }, { type: 'file', mediaType: 'application/pdf', data: PDF, filename: 'report.pdf' }],
    });
    const store = new SqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'agentrt-media16k-otel-')), 'runs.db') });
    const model = new OpenAIModel({ model: 'gpt-4o', apiKey: 'sk-test', baseURL: `${provider.url}/v1`, retry: { maxAttempts: 1 } });
    const runtime = createRuntime({ model, store, tools: [chart], hooks: [createOtelHooks({ tracerProvider: t.tracerProvider, metrics: false, captureContent: true })] });
    const result = await runtime.run({ input: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', mediaType: 'image/png', data: PNG }] }] });
    expect(result.stopReason).toBe('final_answer');
    // The provider got the bytes (so the trace had them to leak).
    expect(JSON.stringify(provider.requests.at(-1)!.body)).toContain(PNG);

    const spans = t.spans();
    expect(spans.length).toBeGreaterThanOrEqual(4);
    const texts = spans.flatMap((span) => [
      ...Object.values(span.attributes).map(String),
      ...span.events.flatMap((event) => Object.values(event.attributes ?? {}).map(String)),
    ]);
    const all = texts.join('\n');
    for (const data of [PNG, PDF]) expect(all.includes(data.slice(100, 164))).toBe(false);
    expect(all).toContain('agentrt.media_digest');
    // 3 model calls and 2 tool calls with content capture: far below one copy of the image.
    expect(all.length).toBeLessThan(PNG.length);
    console.info(`media16k otel: ${spans.length} spans, ${all.length} chars of attributes; the PNG alone is ${PNG.length} base64 chars`);
    await store.close();
    await t.shutdown();
  });
});
