// tools17c: a tool that passes a real server's Content-Type through as the part's media type
// (`image/png; charset=binary`, `Application/PDF; name=…`, `text/plain; charset=ISO-8859-1`) works
// end to end: loopback HTTP server → tool → runtime → AnthropicModel → the official SDK → the
// strict Anthropic loopback, which gets the essence (and the text in UTF-8).
import { createServer } from 'node:http';
import { createRuntime, defineTool, type ContentPart } from '@agentrt/core';
import { AnthropicModel } from '@agentrt/model-anthropic';
import { buildPdf, buildPng, startAnthropicServer } from '@agentrt/testing';
import { expect, it } from 'vitest';
import { z } from 'zod';

const PNG = buildPng({ width: 6, height: 6 });
const PDF = buildPdf('Quarterly revenue');
const files: Record<string, [string, Buffer]> = {
  '/chart': ['image/png; charset=binary', PNG],
  '/photo': ['Image/PNG;q=1', PNG],
  '/report': ['Application/PDF; name="Q3 report.pdf"', PDF],
  '/notes': ['text/plain; charset=ISO-8859-1', Buffer.from('Grüße aus Köln', 'latin1')],
};

it('server Content-Types with parameters reach Anthropic as their essence; the ISO-8859-1 text arrives decoded', async () => {
  const http = createServer((req, res) => {
    const [type, body] = files[req.url ?? ''] ?? ['text/plain', Buffer.from('missing')];
    res.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const download = defineTool({
    name: 'download', description: 'downloads a file', input: z.object({ path: z.string() }),
    execute: async ({ path }): Promise<ContentPart[]> => {
      const response = await fetch(base + path);
      const type = response.headers.get('content-type')!;
      const data = Buffer.from(await response.arrayBuffer()).toString('base64');
      return [type.toLowerCase().startsWith('image/') ? { type: 'image', mediaType: type, data } : { type: 'file', mediaType: type, data }];
    },
  });
  try {
    await using server = await startAnthropicServer([
      { reply: { toolCalls: ['/chart', '/photo', '/report'].map((path, i) => ({ id: `toolu_${i}`, name: 'download', args: { path } })) } },
      { reply: { text: 'read them' } },
    ]);
    const model = new AnthropicModel({ model: 'claude-sonnet-4-5', apiKey: 'sk-ant-test-loopback', baseURL: server.url, retry: { maxAttempts: 1 } });
    const notes = (await download.execute({ path: '/notes' }, { runId: 'r', stepIndex: 0, toolCallId: 'c', idempotencyKey: 'k', signal: new AbortController().signal })) as ContentPart[];
    const result = await createRuntime({ model, tools: [download] }).run([{ role: 'user', content: [{ type: 'text', text: 'read these' }, ...notes] }]);
    expect(result, JSON.stringify(result.error)).toMatchObject({ status: 'completed', output: 'read them' });
    expect(server.requests.map((r) => r.rejected?.message).filter(Boolean)).toEqual([]);
    const messages = (server.requests[1]!.body as { messages: { content: { type: string; source?: { media_type?: string; data?: string }; content?: { type: string; source?: { media_type?: string } }[] }[] }[] }).messages;
    expect(messages[0]!.content[1]).toMatchObject({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Grüße aus Köln' } });
    expect(messages[2]!.content.map((block) => block.content?.[0]?.source?.media_type)).toEqual(['image/png', 'image/png', 'application/pdf']);
  } finally {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  }
});
