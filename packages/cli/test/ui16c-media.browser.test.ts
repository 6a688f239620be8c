// Red team 16c in a real browser (Debian's Chromium, headless): a run's real PNG is decoded and
// shown and its PDF downloads, in the console and in an HTML trace; hostile stored media runs
// nothing; remote url parts are never fetched; a run of 200 images of 1 MB loads lazily.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRuntime, MemoryStore, type AgentRuntime, type Message, type StoredRunEvent } from '@agentrt/core';
import { buildPdf, buildPng, ScriptedModel, storeRecords } from '@agentrt/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, runtimeFromConfig, startConsole, type ConsoleServer } from '../src/index.js';
import { foreignRun } from './__fixtures__/ui16c-foreign-run.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const CONFIG = new URL('./__fixtures__/ui16c-media.config.mjs', import.meta.url).pathname;
const PNG = buildPng({ width: 4, height: 3 });
const PDF = buildPdf('agentrt report');
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
const HTML_BYTES = Buffer.from('<html><script>window.__xss=1</script></html>');
const SVG_BYTES = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=2"><script>window.__xss=3</script></svg>');

describe('red team 16c: media in the console and the HTML trace, in Chromium', () => {
  let runtime: AgentRuntime;
  let many: AgentRuntime;
  let server: ConsoleServer;
  let manyServer: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  const requests: string[] = [];
  const env = process.env.AGENTRT_TEST_DB;

  beforeAll(async () => {
    process.env.AGENTRT_TEST_DB = join(mkdtempSync(join(tmpdir(), 'agentrt-ui16c-b-')), 'runs.db');
    runtime = await runtimeFromConfig(CONFIG);
    expect((await runtime.run({ input: 'take a snapshot', runId: 'media-ok' })).stopReason).toBe('final_answer');
    await foreignRun(runtime, 'media-hostile', [
      { type: 'image', mediaType: 'image/png', data: b64(HTML_BYTES) },
      { type: 'image', mediaType: 'image/svg+xml', data: b64(SVG_BYTES) },
      { type: 'file', mediaType: 'text/html', data: b64(HTML_BYTES), filename: '<img src=x onerror=window.__xss=4>.html' },
      { type: 'image', mediaType: 'image/png', url: 'javascript:window.__xss=5' },
      { type: 'image', mediaType: 'image/png', url: 'https://example.com/tracker.png' },
      { type: 'file', mediaType: 'application/pdf', url: 'file:///etc/passwd' },
    ]);
    server = await startConsole({ runtime, port: 0 });

    // 200 images of 1 MB in one run (a memory store: the point is the page and the server, not SQLite).
    const store = new MemoryStore();
    many = createRuntime({ model: new ScriptedModel([ScriptedModel.answer('x')]), store });
    await store.createRun(storeRecords.run('many'));
    const image = (index: number) => Buffer.concat([buildPng({ width: 2, height: 2 }), Buffer.alloc(1024 * 1024, index)]);
    for (let index = 0; index < 200; index++) {
      const bytes = image(index);
      const messages = [
        { role: 'assistant', content: '', toolCalls: [{ id: `c${index}`, name: 'shot', args: {} }] },
        { role: 'tool', toolCallId: `c${index}`, name: 'shot', content: [{ type: 'image', mediaType: 'image/png', data: b64(bytes) }] },
      ] as unknown as Message[];
      const at = new Date().toISOString();
      const events = [
        { type: 'step_started', runId: 'many', at, seq: 2 * index + 1, stepIndex: index },
        { type: 'tool_finished', runId: 'many', at, seq: 2 * index + 2, stepIndex: index, toolCallId: `c${index}`, name: 'shot', isError: false, durationMs: 1, content: [{ type: 'image', mediaType: 'image/png', sha256: sha(bytes), bytes: bytes.byteLength }] },
      ] as unknown as StoredRunEvent[];
      await store.commitStep({ runId: 'many', step: { ...storeRecords.step('many', index, `c${index}`), messages }, events, usageDelta: storeRecords.usage });
    }
    manyServer = await startConsole({ runtime: many, port: 0 });

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context.on('request', (request) => requests.push(request.url()));
    await (await context.newPage()).goto(server.url);
  }, 90_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
    await manyServer?.close();
    await runtime?.close();
    await many?.close();
    if (env === undefined) delete process.env.AGENTRT_TEST_DB;
    else process.env.AGENTRT_TEST_DB = env;
  }, 30_000);

  const xss = (page: Page) => page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss);
  const decoded = (page: Page, selector: string) => page.locator(selector).first().evaluate((img) => {
    const el = img as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number };
    return el.complete && el.naturalWidth > 0 ? { width: el.naturalWidth, height: el.naturalHeight } : undefined;
  });

  it('shows the PNG a tool returned, decoded, and downloads its PDF under its name; nothing leaves loopback', async () => {
    const page = await context.newPage();
    const response = await page.goto(`${server.origin}/runs/media-ok`);
    expect(response!.headers()['content-security-policy']).toContain("img-src 'self'");
    expect(response!.headers()['content-security-policy']).toContain("default-src 'self'");
    const image = page.locator('[data-call="snap-1"] .result img.media-img');
    await image.waitFor();
    await page.waitForFunction(() => {
      const img = (globalThis as unknown as { document: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null } }).document.querySelector('[data-call="snap-1"] .result img.media-img');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    expect(await decoded(page, '[data-call="snap-1"] .result img.media-img')).toEqual({ width: 4, height: 3 });
    expect(await image.isVisible()).toBe(true);

    const file = page.locator('[data-call="snap-1"] .result .media-part-file');
    expect(await file.locator('.chip').textContent()).toContain('report.pdf');
    const [download] = await Promise.all([page.waitForEvent('download'), file.locator('a.media-download').click()]);
    expect(download.suggestedFilename()).toBe('report.pdf');
    expect(readFileSync((await download.path())!).equals(PDF)).toBe(true);

    // the url part is text, never an image or a link
    expect(await page.locator('[data-call="snap-1"] .result').textContent()).toContain('url (not fetched): http://203.0.113.9/remote.png');
    expect(await page.locator('img[src*="203.0.113.9"], a[href*="203.0.113.9"]').count()).toBe(0);
    await page.close();
  });

  it('runs nothing from hostile stored media, fetches no remote url part, links no javascript: or file: url', async () => {
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });
    await page.goto(`${server.origin}/runs/media-hostile`);
    const notes = page.locator('[data-call="c0"] .result .media-note');
    // the "PNG" whose bytes are HTML is refused by the server and replaced by a note; SVG is never tried
    await expect.poll(() => notes.count(), { timeout: 15_000 }).toBe(2);
    expect(await notes.allTextContents()).toEqual([
      'image not shown (its bytes are not a PNG, JPEG, GIF or WebP image, or it is too large)',
      'image not shown inline (only PNG, JPEG, GIF and WebP images are)',
    ]);
    expect(await page.locator('img.media-img').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"], a[href^="file:"], a[href^="http"], img[src^="http"], img[src^="javascript:"]').count()).toBe(0);
    expect(await page.locator('[data-call="c0"] .result').textContent()).toContain('<img src=x onerror=window.__xss=4>.html');
    expect(await xss(page)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await page.close();
  });

  it('opens an HTML trace from a file: the PNG decoded from the page itself, the PDF downloadable, no request but the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-ui16c-trace-'));
    const quiet = { out: () => undefined, err: () => undefined };
    expect(await main(['--config', CONFIG, 'trace', 'media-ok', '--html', join(dir, 'ok.html')], quiet)).toBe(0);
    expect(await main(['--config', CONFIG, 'trace', 'media-hostile', '--html', join(dir, 'hostile.html')], quiet)).toBe(0);
    const page = await context.newPage();
    const seen: string[] = [];
    page.on('request', (request) => seen.push(request.url().slice(0, 40)));
    const href = pathToFileURL(join(dir, 'ok.html')).href;
    await page.goto(href);
    await page.locator('[data-call="snap-1"] .result img.media-img').waitFor();
    await page.waitForFunction(() => {
      const img = (globalThis as unknown as { document: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null } }).document.querySelector('img.media-img');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    expect(await decoded(page, 'img.media-img')).toEqual({ width: 4, height: 3 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('.media-part-file a.media-download').click()]);
    expect(download.suggestedFilename()).toBe('report.pdf');
    expect(readFileSync((await download.path())!).equals(PDF)).toBe(true);
    // data: URLs are not network requests; the remote url part is never fetched
    expect(seen.filter((url) => !url.startsWith('data:'))).toEqual([href.slice(0, 40)]);

    await page.goto(pathToFileURL(join(dir, 'hostile.html')).href);
    await page.locator('[data-call="c0"] .result').waitFor();
    expect(await page.locator('img.media-img').count()).toBe(0);
    expect(await page.locator('a[href^="javascript:"], a[href^="file:"], a[href^="http"]').count()).toBe(0);
    expect(await xss(page)).toBeUndefined();
    await page.close();
  });

  it('loads a run of 200 images of 1 MB lazily: the page is ready in seconds and fetches only the images in view', async () => {
    const page = await context.newPage();
    const media: string[] = [];
    page.on('request', (request) => { if (request.url().includes('/media/')) media.push(request.url()); });
    await page.goto(manyServer.url);
    const started = Date.now();
    await page.goto(`${manyServer.origin}/runs/many`);
    await page.locator('[data-step="199"]').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => {
      const img = (globalThis as unknown as { document: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null } }).document.querySelector('img.media-img');
      return img !== null && img.complete && img.naturalWidth > 0;
    }, null, { timeout: 30_000 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await page.locator('img.media-img').count()).toBe(200);
    expect(media.length).toBeGreaterThan(0);
    expect(media.length).toBeLessThan(60);
    // scrolled to the end, the last image loads too
    await page.locator('img.media-img').last().scrollIntoViewIfNeeded();
    await page.waitForFunction(() => {
      const all = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ complete: boolean; naturalWidth: number }> } }).document.querySelectorAll('img.media-img');
      const last = all[all.length - 1]!;
      return last.complete && last.naturalWidth > 0;
    }, null, { timeout: 30_000 });
    await page.close();
  }, 90_000);

  it('sent no request anywhere but the consoles and the trace files', () => {
    const origins = new Set([server.origin, manyServer.origin]);
    const outside = requests.filter((url) => !url.startsWith('data:') && !url.startsWith('file:') && !origins.has(new URL(url).origin));
    expect(outside).toEqual([]);
  });
});
