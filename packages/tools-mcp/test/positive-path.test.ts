import { spawn, type ChildProcess } from 'node:child_process';
import { createRuntime, type ContentPart, type ToolMessage } from '@agentrt/core';
import { McpBridge, type McpServerConfig } from '@agentrt/tools-mcp';
import { reservedPort, ScriptedModel } from '@agentrt/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpMcpServer, WAV } from './__fixtures__/http-server.js';
import { partsOf, referenceServer, textOf, until } from './helpers.js';

// The positive path, attacked as hard as the refusals: what the official reference server
// ("everything") and a server built with the official SDK send — images, audio, embedded
// resources (text and blob), resource links, annotations — reaches the model through a run as
// proper content parts, byte for byte, over stdio and over Streamable HTTP; and a resource link
// the model follows (`read_resource`) brings it the linked content.
const bridges: McpBridge[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.close()));
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
});

/** The everything server over Streamable HTTP (its own `streamableHttp` entry), on a reserved loopback port. */
async function everythingOverHttp(): Promise<string> {
  const port = await reservedPort();
  const child = spawn(process.execPath, [referenceServer('everything'), 'streamableHttp'], { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  await until(() => stderr.includes(`listening on port ${port}`) || child.exitCode !== null, 20_000, 'the everything server to listen');
  if (child.exitCode !== null) throw new Error(`the everything server exited: ${stderr}`);
  return `http://127.0.0.1:${port}/mcp`;
}

/** What the official SDK client gets from the everything server over stdio for one call: the oracle. */
async function oracle(tool: string, args: Record<string, unknown>): Promise<{ type: string; data?: string; mimeType?: string; text?: string }[]> {
  const client = new Client({ name: 'oracle', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [referenceServer('everything')], stderr: 'ignore' }));
  try {
    return (await client.callTool({ name: tool, arguments: args })).content as { type: string; data?: string; mimeType?: string }[];
  } finally {
    await client.close();
  }
}

const toolResult = (model: ScriptedModel, request: number) => model.requests[request]!.messages.at(-1) as ToolMessage;

describe('the everything reference server: content reaches the model as proper parts', () => {
  for (const transport of ['stdio', 'http'] as const) {
    it(`over ${transport}: image (byte for byte), annotated content, embedded text and blob resources, resource links, and a link the model follows`, async () => {
      const server: McpServerConfig = transport === 'stdio'
        ? { name: 'ev', command: process.execPath, args: [referenceServer('everything')], resourceTools: true, timeoutMs: 20_000 }
        : { name: 'ev', url: await everythingOverHttp(), allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'], resourceTools: true, timeoutMs: 20_000 };
      const bridge = await McpBridge.connect(server);
      bridges.push(bridge);
      const model = new ScriptedModel([
        ScriptedModel.call('ev__get-tiny-image'),
        ScriptedModel.call('ev__get-annotated-message', { messageType: 'error', includeImage: true }),
        ScriptedModel.call('ev__get-resource-reference', { resourceType: 'Text', resourceId: 4 }),
        ScriptedModel.call('ev__get-resource-reference', { resourceType: 'Blob', resourceId: 5 }),
        ScriptedModel.call('ev__get-resource-links', { count: 2 }),
        // The model follows the links it was given.
        ScriptedModel.call('ev__read_resource', { uri: 'demo://resource/dynamic/blob/1' }),
        ScriptedModel.call('ev__read_resource', { uri: 'demo://resource/dynamic/text/2' }),
        ScriptedModel.answer('seen'),
      ]);
      const result = await createRuntime({ model, tools: bridge.tools(), limits: { maxSteps: 10 } }).run('show me');
      expect(result.stopReason, JSON.stringify(result.error)).toBe('final_answer');
      for (let request = 1; request <= 7; request++) expect(toolResult(model, request).isError, textOf(toolResult(model, request))).toBeFalsy();

      // The image is exactly what the official client gets: same bytes, same type, same order.
      const tiny = await oracle('get-tiny-image', {});
      expect(partsOf(toolResult(model, 1))).toEqual(tiny.map((block): ContentPart => (block.type === 'image' ? { type: 'image', mediaType: block.mimeType!, data: block.data! } : { type: 'text', text: block.text! })));
      expect(Buffer.from((partsOf(toolResult(model, 1))[1] as { data: string }).data, 'base64').subarray(1, 4).toString()).toBe('PNG');

      // Annotations (priority, audience) do not disturb the content.
      const annotated = partsOf(toolResult(model, 2));
      expect(annotated).toEqual([{ type: 'text', text: 'Error: Operation failed' }, { type: 'image', mediaType: 'image/png', data: (tiny.find((block) => block.type === 'image'))!.data }]);

      // An embedded text resource is text with its URI; so is a text/plain blob resource (decoded).
      expect(textOf(toolResult(model, 3))).toMatch(/\[resource demo:\/\/resource\/dynamic\/text\/4 \(text\/plain\)\]\nResource 4: This is a plaintext resource created at /);
      expect(textOf(toolResult(model, 4))).toMatch(/\[resource demo:\/\/resource\/dynamic\/blob\/5 \(text\/plain\)\]\nResource 5: This is a base64 blob created at /);

      // Links are text the model can act on: name, URI, media type, description.
      const links = textOf(toolResult(model, 5));
      expect(links).toContain('[resource link] Blob Resource 1: demo://resource/dynamic/blob/1 (text/plain) — Resource 1: plaintext resource');
      expect(links).toContain('[resource link] Text Resource 2: demo://resource/dynamic/text/2 (text/plain) — Resource 2: plaintext resource');

      // Following them: each arrives as its text (the blob one decoded).
      expect(textOf(toolResult(model, 6))).toMatch(/^\[resource demo:\/\/resource\/dynamic\/blob\/1 \(text\/plain\)\]\nResource 1: This is a base64 blob/);
      expect(textOf(toolResult(model, 7))).toMatch(/^\[resource demo:\/\/resource\/dynamic\/text\/2 \(text\/plain\)\]\nResource 2: This is a plaintext resource/);
    }, 60_000);
  }
});

describe('audio, an image resource and a full resource link from an SDK-built HTTP server', () => {
  it('reach the model as a file part (audio/wav, byte for byte), a text label plus an image part, and a text line', async () => {
    await using server = await startHttpMcpServer('token-0123456789');
    const bridge = await McpBridge.connect({ name: 'web', url: server.url, allowHttp: true, allowPrivateAddresses: ['127.0.0.1/32'], headers: { authorization: 'Bearer token-0123456789' } });
    bridges.push(bridge);
    const model = new ScriptedModel([ScriptedModel.call('web__media'), ScriptedModel.answer('heard')]);
    const result = await createRuntime({ model, tools: bridge.tools() }).run('listen');
    expect(result.stopReason).toBe('final_answer');
    const parts = partsOf(toolResult(model, 1));
    expect(parts).toEqual([
      { type: 'text', text: 'a beep:' },
      { type: 'file', mediaType: 'audio/wav', data: WAV },
      { type: 'text', text: '[resource https://example.com/icons/dot%20one.png?v=2 (image/png)]' },
      { type: 'image', mediaType: 'image/png', data: expect.stringMatching(/^iVBORw0KGgo/) },
      { type: 'text', text: '[resource link] The Guide: https://example.com/docs/guide.pdf (application/pdf) — How it works' },
    ]);
    expect(Buffer.from((parts[1] as { data: string }).data, 'base64').subarray(0, 12).toString('latin1')).toBe('RIFF4\u0000\u0000\u0000WAVE');
  });
});

// Most models take images and PDFs only (OpenAI's vision profile): a text resource a server sends
// as a base64 blob (the everything server's blob resources are text/plain) must still reach
// them, as the text it is — not fail the call with unsupported_content.
const VISION_AND_PDF = { imageTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp'], fileTypes: ['application/pdf'], partsInToolResults: true, imageUrls: true, fileUrls: false, structuredOutput: true, reasoning: false };

describe('text sent as a blob', () => {
  it('an embedded or read text/plain blob resource reaches a model that takes images and PDFs only, as its text', async () => {
    const bridge = await McpBridge.connect({ name: 'ev', command: process.execPath, args: [referenceServer('everything')], resourceTools: true, timeoutMs: 20_000 });
    bridges.push(bridge);
    const model = new ScriptedModel([
      ScriptedModel.call('ev__get-resource-reference', { resourceType: 'Blob', resourceId: 5 }),
      ScriptedModel.call('ev__read_resource', { uri: 'demo://resource/dynamic/blob/1' }),
      ScriptedModel.call('ev__get-tiny-image'),
      ScriptedModel.answer('read'),
    ], { capabilities: VISION_AND_PDF });
    const result = await createRuntime({ model, tools: bridge.tools() }).run('read');
    expect(result.stopReason, JSON.stringify(result.error)).toBe('final_answer');
    for (let request = 1; request <= 3; request++) expect(toolResult(model, request).isError, textOf(toolResult(model, request))).toBeFalsy();
    expect(textOf(toolResult(model, 1))).toMatch(/\[resource demo:\/\/resource\/dynamic\/blob\/5 \(text\/plain\)\]\nResource 5: This is a base64 blob created at /);
    expect(toolResult(model, 2).content).toMatch(/^\[resource demo:\/\/resource\/dynamic\/blob\/1 \(text\/plain\)\]\nResource 1: This is a base64 blob created at /);
    // Images are still images.
    expect(partsOf(toolResult(model, 3)).map((part) => part.type)).toEqual(['text', 'image', 'text']);
  }, 30_000);
});
