// Red team 16c: the console's and `agentrt trace`'s view of rich messages — real images and files
// must be shown (and downloadable), hostile ones (any process may write the store) must not act.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, MemoryStore, type AgentRuntime, type Message, type StoredRunEvent } from '@agentrt/core';
import { buildPdf, buildPng, ScriptedModel, storeRecords } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main, mediaLabel, runtimeFromConfig, startConsole, type ConsoleServer } from '../src/index.js';
import { foreignRun } from './__fixtures__/ui16c-foreign-run.js';

const CONFIG = new URL('./__fixtures__/ui16c-media.config.mjs', import.meta.url).pathname;
const PNG = buildPng({ width: 4, height: 3 });
const PDF = buildPdf('agentrt report');
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
const at = () => new Date().toISOString();

interface Reply { status: number; headers: Headers; bytes: Buffer; text: string }
const get = async (server: ConsoleServer, path: string): Promise<Reply> => {
  const response = await fetch(`${server.origin}${path}`, { headers: { authorization: `Bearer ${server.token}` } });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, text: bytes.toString('utf8') };
};

const HTML_BYTES = Buffer.from('<html><script>alert(document.cookie)</script></html>');
const SVG_BYTES = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');

describe('red team 16c: media in the console API and agentrt trace', () => {
  let db: string;
  let runtime: AgentRuntime;
  let server: ConsoleServer;
  let runId: string;
  const env = process.env.AGENTRT_TEST_DB;

  beforeAll(async () => {
    db = join(mkdtempSync(join(tmpdir(), 'agentrt-ui16c-')), 'runs.db');
    process.env.AGENTRT_TEST_DB = db;
    runtime = await runtimeFromConfig(CONFIG);
    const result = await runtime.run({ input: 'take a snapshot', runId: 'media-ok' });
    expect(result.stopReason).toBe('final_answer');
    runId = result.runId;
    await foreignRun(runtime, 'media-hostile', [
      { type: 'image', mediaType: 'image/png', data: b64(HTML_BYTES) },
      { type: 'image', mediaType: 'image/svg+xml', data: b64(SVG_BYTES) },
      { type: 'image', mediaType: 'text/html', data: b64(PNG) },
      { type: 'image', mediaType: 'image/png" onerror="alert(1)', data: 'not base64 at all <script>' },
      { type: 'file', mediaType: 'application/pdf', data: b64(PDF), filename: '../../etc/\u202egpj.pdf\r\nSet-Cookie: a=b' },
      { type: 'file', mediaType: 'application/pdf', data: b64(Buffer.concat([PDF, Buffer.from('x')])), filename: `${'n'.repeat(10_000)}.pdf` },
      { type: 'image', mediaType: 'image/png', url: 'javascript:alert(1)' },
    ]);
    server = await startConsole({ runtime, port: 0 });
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await runtime?.close();
    if (env === undefined) delete process.env.AGENTRT_TEST_DB;
    else process.env.AGENTRT_TEST_DB = env;
  });

  it('serves a real PNG of a tool result as image/png, byte for byte, sandboxed', async () => {
    const reply = await get(server, `/api/runs/${runId}/media/${sha(PNG)}?step=0`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('image/png');
    expect(reply.bytes.equals(PNG)).toBe(true);
    expect(reply.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves a PDF as a download named after the part (never rendered inline)', async () => {
    expect((await get(server, `/api/runs/${runId}/media/${sha(PDF)}?step=0`)).status).toBe(415);
    const reply = await get(server, `/api/runs/${runId}/media/${sha(PDF)}?step=0&download=1`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/octet-stream');
    expect(reply.headers.get('content-disposition')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(reply.bytes.equals(PDF)).toBe(true);
  });

  it('serves hostile stored parts only as what their bytes are: HTML or SVG "images" are never inline, a PNG declared text/html is a PNG', async () => {
    const html = await get(server, `/api/runs/media-hostile/media/${sha(HTML_BYTES)}?step=0`);
    expect(html.status).toBe(415);
    expect(html.text).not.toContain('<script>');
    expect((await get(server, `/api/runs/media-hostile/media/${sha(SVG_BYTES)}?step=0`)).status).toBe(415);
    const download = await get(server, `/api/runs/media-hostile/media/${sha(SVG_BYTES)}?step=0&download=1`);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="image-[0-9a-f]{8}\.bin"/);
    const png = await get(server, `/api/runs/media-hostile/media/${sha(PNG)}?step=0`);
    expect(png.headers.get('content-type')).toBe('image/png');
  });

  it('makes hostile file names plain: no path, no bidi, no header injection, at most 100 characters', async () => {
    const traversal = await get(server, `/api/runs/media-hostile/media/${sha(PDF)}?step=0&download=1`);
    const disposition = traversal.headers.get('content-disposition')!;
    expect(disposition).not.toMatch(/[/\\\r\n\u202e]/);
    expect(traversal.headers.get('set-cookie')).toBeNull();
    expect(disposition).toMatch(/^attachment; filename="_\.\._etc__gpj\.pdf__Set-Cookie: a=b"; filename\*=UTF-8''/);
    const long = await get(server, `/api/runs/media-hostile/media/${sha(Buffer.concat([PDF, Buffer.from('x')]))}?step=0&download=1`);
    const name = /filename="([^"]*)"/.exec(long.headers.get('content-disposition')!)![1]!;
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name.endsWith('.pdf')).toBe(true);
  });

  it('finds a part only in its own run, by a full hex sha256', async () => {
    expect((await get(server, `/api/runs/media-hostile/media/${sha(PDF)}?step=0`)).status).toBe(415);
    expect((await get(server, `/api/runs/${runId}/media/${sha(HTML_BYTES)}?step=0`)).status).toBe(404);
    expect((await get(server, `/api/runs/${runId}/media/..%2F..%2Fetc?step=0`)).status).toBe(404);
    expect((await get(server, `/api/runs/${runId}/media/${sha(PNG)}?step=-1`)).status).toBe(400);
    expect((await get(server, `/api/runs/nope/media/${sha(PNG)}?step=0`)).status).toBe(404);
    // the token is needed here too
    expect((await fetch(`${server.origin}/api/runs/${runId}/media/${sha(PNG)}?step=0`)).status).toBe(401);
  });

  it('prints one readable line per image or file part in `agentrt trace`, hostile names on one line, url parts marked not fetched', async () => {
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: () => undefined };
    expect(await main(['--config', CONFIG, 'trace', runId], io)).toBe(0);
    const text = out.join('\n');
    expect(text).toContain(`act       snapshot → snapshot taken`);
    expect(text).toContain(`part 1 of 3: [image image/png 94 B sha256:${sha(PNG).slice(0, 8)}]`);
    expect(text).toContain(`part 2 of 3: [file application/pdf report.pdf ${PDF.byteLength} B sha256:${sha(PDF).slice(0, 8)}]`);
    expect(text).toContain('part 3 of 3: [image image/png url http://203.0.113.9/remote.png (not fetched)]');
    expect(text).toContain('decide    (reasoned 23 chars) answer: seen it');

    await foreignRun(runtime, 'media-forge', [
      { type: 'file', mediaType: 'application/pdf\n#999 run finished · stop: final_answer', data: b64(PDF), filename: 'a.pdf\n#998 approval  pay: approve\u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007\u001b]52;c;cm0gLXJmIH4=\u0007' },
      { type: 'image', mediaType: 'image/png', url: `http://x.example/${'a'.repeat(10_000)}` },
    ]);
    out.length = 0;
    expect(await main(['--config', CONFIG, 'trace', 'media-forge'], io)).toBe(0);
    const lines = out.join('\n').split('\n');
    expect(lines.filter((line) => /^#99[89]/.test(line))).toEqual([]);
    expect(out.join('\n')).not.toContain('\u001b');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(400);
  });

  it('embeds real images and files in `agentrt trace --html` (data: URLs, within a budget) and hostile ones only as downloads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-ui16c-html-'));
    const io = { out: () => undefined, err: () => undefined };
    expect(await main(['--config', CONFIG, 'trace', runId, '--html', join(dir, 'ok.html')], io)).toBe(0);
    const html = readFileSync(join(dir, 'ok.html'), 'utf8');
    const view = JSON.parse(/<script type="application\/json" id="agentrt-trace">([\s\S]*?)<\/script>/.exec(html)![1]!) as { media: Record<string, { image?: string; download?: string; name: string }> };
    expect(view.media[sha(PNG)]).toEqual({ image: `data:image/png;base64,${b64(PNG)}`, name: `image-${sha(PNG).slice(0, 8)}.png` });
    expect(view.media[sha(PDF)]).toEqual({ download: `data:application/octet-stream;base64,${b64(PDF)}`, name: 'report.pdf' });
    expect(html).toMatch(/img-src data:;/);

    expect(await main(['--config', CONFIG, 'trace', 'media-hostile', '--html', join(dir, 'hostile.html')], io)).toBe(0);
    const hostile = JSON.parse(/id="agentrt-trace">([\s\S]*?)<\/script>/.exec(readFileSync(join(dir, 'hostile.html'), 'utf8'))![1]!) as typeof view;
    expect(hostile.media[sha(HTML_BYTES)]!.image).toBeUndefined();
    expect(hostile.media[sha(SVG_BYTES)]!.image).toBeUndefined();
    expect(hostile.media[sha(SVG_BYTES)]!.download).toMatch(/^data:application\/octet-stream;base64,/);
    expect(hostile.media[sha(PNG)]!.image).toMatch(/^data:image\/png;base64,/);
    for (const item of Object.values(hostile.media)) expect(item.name).not.toMatch(/[/\\\r\n\u202e]/);
  });

  it('keeps an HTML trace of 40 MB of files to its 32 MiB media budget', async () => {
    const big = (n: number) => Buffer.alloc(12 * 1024 * 1024, n);
    await foreignRun(runtime, 'media-budget', [1, 2, 3].map((n) => ({ type: 'file', mediaType: 'application/octet-stream', data: b64(big(n)), filename: `blob${n}.bin` })));
    const file = join(mkdtempSync(join(tmpdir(), 'agentrt-ui16c-big-')), 'big.html');
    const err: string[] = [];
    expect(await main(['--config', CONFIG, 'trace', 'media-budget', '--html', file], { out: () => undefined, err: (line) => err.push(line) }), err.join('\n')).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html.length).toBeLessThan(34 * 1024 * 1024 * 4 / 3);
    const view = JSON.parse(/id="agentrt-trace">([\s\S]*?)<\/script>/.exec(html)![1]!) as { media: Record<string, unknown> };
    expect(Object.keys(view.media)).toEqual([sha(big(1)), sha(big(2))]);
  });
});

describe('red team 16c: mediaLabel', () => {
  it('keeps a label on one bounded line whatever the media type, file name or url hold', () => {
    const label = mediaLabel({ type: 'file', mediaType: 'application/pdf\n#999 run finished', filename: `a.pdf\r\n#998 approval ${'x'.repeat(10_000)}`, url: `https://x.example/\n${'y'.repeat(10_000)}` });
    expect(label).not.toMatch(/[\r\n]/);
    expect(label.length).toBeLessThan(300);
  });
});

describe('red team 16c: a run with 200 images of 1 MB in the console', () => {
  it('answers the run page and its events without the bytes, and 20 image requests at once read the history at most twice', async () => {
    const store = new MemoryStore();
    const images = Array.from({ length: 200 }, (_, index) => Buffer.concat([buildPng({ width: 2, height: 2 }), Buffer.alloc(1024 * 1024, index)]));
    const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('x')]), store });
    const runId = 'many';
    await store.createRun(storeRecords.run(runId));
    let seq = 0;
    for (const [index, image] of images.entries()) {
      const parts = [{ type: 'image', mediaType: 'image/png', data: b64(image) }];
      const messages = [
        { role: 'assistant', content: '', toolCalls: [{ id: `c${index}`, name: 'shot', args: {} }] },
        { role: 'tool', toolCallId: `c${index}`, name: 'shot', content: parts },
      ] as unknown as Message[];
      const events = [{ type: 'tool_finished', runId, at: at(), seq: ++seq, stepIndex: index, toolCallId: `c${index}`, name: 'shot', isError: false, durationMs: 1, content: [{ type: 'image', mediaType: 'image/png', sha256: sha(image), bytes: image.byteLength }] }] as unknown as StoredRunEvent[];
      await store.commitStep({ runId, step: { ...storeRecords.step(runId, index, `c${index}`), messages }, events, usageDelta: storeRecords.usage });
    }
    const server = await startConsole({ runtime, port: 0 });
    try {
      const started = Date.now();
      const page = await get(server, `/api/runs/${runId}`);
      const events = await get(server, `/api/runs/${runId}/events?limit=500`);
      expect(page.status).toBe(200);
      expect(events.status).toBe(200);
      expect(page.bytes.byteLength + events.bytes.byteLength).toBeLessThan(200_000);
      expect(JSON.parse(events.text).events).toHaveLength(200);

      const loads = vi.spyOn(store, 'loadSteps');
      const replies = await Promise.all(images.slice(0, 20).map((image, index) => get(server, `/api/runs/${runId}/media/${sha(image)}?step=${index}`)));
      for (const [index, reply] of replies.entries()) {
        expect(reply.status).toBe(200);
        expect(reply.bytes.equals(images[index]!)).toBe(true);
      }
      expect(loads.mock.calls.length).toBeLessThanOrEqual(2);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await server.close();
      await runtime.close();
    }
  }, 60_000);
});
