import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRuntime, type ToolMessage } from '@agentrt/core';
import { createHttpTools } from '@agentrt/tools-http';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// With the defaults of both sides (maxResponseBytes 1 MiB, core's maxToolOutputChars 32 768), a
// 100 KB page must not reach the model as a result that says `truncated: false` with its middle
// cut out by the runtime (and no longer valid JSON).
const page = Array.from({ length: 3_000 }, (_, i) => `<p class="row">row ${i} — "quoted" naïve 日本</p>`).join('\n');
let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((_req, res) => res.setHeader('content-type', 'text/html; charset=utf-8').end(page));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('@agentrt/tools-http results fit what the runtime passes on (red team 7a)', () => {
  it('a 100 KB page fetched with default options reaches the model as valid JSON that says it was cut', async () => {
    const model = new ScriptedModel([ScriptedModel.call('http_get', { url: `http://127.0.0.1:${port}/page` }), ScriptedModel.answer('ok')]);
    const tools = createHttpTools({ allowHosts: ['127.0.0.1'], allowHttp: true, allowPorts: [port], allowPrivateAddresses: ['127.0.0.1'] });
    const runtime = createRuntime({ model, tools });
    expect((await runtime.run('fetch the page')).stopReason).toBe('final_answer');
    const seen = (model.requests[1]!.messages.at(-1) as ToolMessage).content as string;
    expect(seen).not.toContain('tool_output_truncated');
    const result = JSON.parse(seen) as { status: number; truncated: boolean; body: string };
    expect(result).toMatchObject({ status: 200, truncated: true });
    expect(result.body.length).toBeGreaterThan(20_000);
    expect(page.startsWith(result.body)).toBe(true);
  });
});
