// Red team of the console and the HTML trace in a real browser (Debian's Chromium, headless):
// a malicious page on another localhost port in the same browser (it shares the console's
// SameSite cookie: cookies are not port-isolated), display spoofing with bidi controls in the
// arguments an approver reads, many console tabs at once, and hostile media parts in a trace.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redactor } from '@agentrt/core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTraceHtml, showable, type RunView } from '../src/index.js';
import { agentrt, freshDb, startUi, waitFor, type UiProcess } from './__fixtures__/cli-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const HOSTILE_CONFIG = new URL('./__fixtures__/hostile.config.mjs', import.meta.url).pathname;
const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };
const RAW_BIDI = /[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

/** The attacker's page: served from another 127.0.0.1 port, it tries everything a page can do to the console with the user's cookie. */
const attackPage = (target: string) => `<!doctype html><meta charset="utf-8"><title>cat pictures</title><body>
<iframe name="sink" style="display:none"></iframe>
<form id="plain" action="${target}/api/kill-all" method="post" enctype="text/plain" target="sink"><input name='{"reason":"csrf","x":"' value='"}'></form>
<form id="multi" action="${target}/api/clear-kill" method="post" enctype="multipart/form-data" target="sink"><input name="reason" value="csrf"></form>
<form id="urlenc" action="${target}/api/kill-all?_method=POST" method="post" target="sink"><input name="_method" value="POST"></form>
<img src="${target}/api/runs"><script src="${target}/assets/console.js"></script><link rel="stylesheet" href="${target}/assets/console.css">
<script>
(async () => {
  const t = ${JSON.stringify(target)};
  const out = { reads: [], streams: 0, errors: 0 };
  for (const path of ['/api/runs', '/api/runs/rt-pay', '/api/status', '/']) {
    try { const r = await fetch(t + path, { credentials: 'include' }); out.reads.push(await r.text()); } catch (e) { out.reads.push('blocked'); }
    try { const r = await fetch(t + path, { credentials: 'include', mode: 'no-cors' }); out.reads.push(r.type + ':' + (await r.text())); } catch (e) { out.reads.push('blocked'); }
  }
  const sources = [];
  for (let i = 0; i < 40; i++) {
    const s = new EventSource(t + '/api/runs/stream', { withCredentials: true });
    s.onmessage = () => out.streams++;
    s.addEventListener('runs', () => out.streams++);
    s.onerror = () => { out.errors++; s.close(); };
    sources.push(s);
  }
  navigator.sendBeacon(t + '/api/kill-all', new Blob(['{"reason":"beacon"}'], { type: 'text/plain' }));
  fetch(t + '/api/kill-all', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"reason":"no-cors"}' }).catch(() => {});
  fetch(t + '/api/kill-all', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-http-method-override': 'POST' }, body: '{"reason":"cors"}' }).catch(() => {});
  document.getElementById('plain').submit();
  setTimeout(() => document.getElementById('multi').submit(), 200);
  setTimeout(() => document.getElementById('urlenc').submit(), 400);
  setTimeout(() => { window.__attack = out; }, 3000);
})();
</script></body>`;

let db: string;
let ui: UiProcess;
let browser: Browser;
let attacker: Server;
let attackerOrigin: string;
const contexts: BrowserContext[] = [];

async function context(): Promise<BrowserContext> {
  const created = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(created);
  return created;
}
/** Logs a fresh browser context in (the printed URL), as the user does. */
async function loggedIn(): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = await context();
  const page = await ctx.newPage();
  await page.goto(ui.url);
  expect(page.url()).toBe(`${ui.origin}/`);
  return { context: ctx, page };
}
/** Makes a tab report itself hidden, as a background tab does (headless Chromium shows every page). */
const hide = (page: Page) => page.evaluate(() => {
  const doc = (globalThis as unknown as { document: { dispatchEvent(e: unknown): void } }).document;
  Object.defineProperty(doc, 'visibilityState', { configurable: true, get: () => 'hidden' });
  doc.dispatchEvent(new (globalThis as unknown as { Event: new (type: string) => unknown }).Event('visibilitychange'));
});
const show = (page: Page) => page.evaluate(() => {
  const doc = (globalThis as unknown as { document: { dispatchEvent(e: unknown): void } }).document;
  Object.defineProperty(doc, 'visibilityState', { configurable: true, get: () => 'visible' });
  doc.dispatchEvent(new (globalThis as unknown as { Event: new (type: string) => unknown }).Event('visibilitychange'));
});

describe('red team: the console in Chromium', () => {
  beforeAll(async () => {
    db = freshDb();
    const hostile = (...args: string[]) => agentrt(db, args, { config: HOSTILE_CONFIG, env: NO_KEYS }).done;
    expect((await hostile('run', 'pay', '--run-id', 'rt-pay')).code).toBe(2);
    expect((await hostile('run', 'leak', '--run-id', 'rt-leak')).code).toBe(0);
    expect((await hostile('run', 'pay', 'tabs', '--run-id', 'rt-pay-tabs')).code).toBe(2);
    ui = await startUi(db, [], { config: HOSTILE_CONFIG, env: NO_KEYS });
    attacker = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(attackPage(ui.origin));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 180_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => undefined);
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await ui?.stop();
  }, 60_000);

  it('a page on another localhost port, with the cookie in the same browser, reads nothing and changes nothing', async () => {
    const { context: ctx, page } = await loggedIn();
    const evil = await ctx.newPage();
    await evil.goto(`${attackerOrigin}/attack`);
    const result = await evil.waitForFunction(() => (globalThis as unknown as { __attack?: unknown }).__attack, null, { timeout: 30_000 }).then((handle) => handle.jsonValue()) as { reads: string[]; streams: number; errors: number };
    for (const read of result.reads) {
      expect(read).not.toContain('rt-pay');
      expect(read).not.toContain('incident');
      expect(['blocked', 'opaque:']).toContain(read);
    }
    expect(result.streams).toBe(0);
    // Nothing changed: no incident stop, the paused run still waits.
    const status = await page.evaluate(async () => (await fetch('/api/status')).json());
    expect(status).toEqual({ incident: null });
    const run = await page.evaluate(async () => (await fetch('/api/runs/rt-pay')).json()) as { run: { status: string } };
    expect(run.run.status).toBe('paused');
    // And the console still serves its own pages live afterwards (no stream slot left taken).
    await page.goto(`${ui.origin}/runs/rt-leak`);
    await page.locator('[data-step="1"]').waitFor();
    await waitFor(() => page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.streamEnded === 'true'), 'the live stream of a finished run to end');
  });

  it('shows bidi overrides and invisible characters in approval args, results and answers as visible escapes', async () => {
    const { page } = await loggedIn();
    await page.goto(`${ui.origin}/runs/rt-pay`);
    const approval = page.locator('.approval[data-call="pay-1"]');
    await approval.waitFor();
    const args = (await approval.locator('pre').textContent())!;
    expect(args).not.toMatch(RAW_BIDI);
    expect(args).toContain('\\u202eevil\\u202c');
    expect(args).toContain('[REDACTED]');
    await page.goto(`${ui.origin}/runs/rt-leak`);
    await page.locator('.output pre.answer').waitFor();
    const text = (await page.locator('main').textContent())!;
    expect(text).not.toMatch(RAW_BIDI);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u);
    expect(await page.locator('.output pre.answer').textContent()).toContain('\\u202eevil\\u202c');
    expect(await page.title()).not.toMatch(RAW_BIDI);
  });

  it('opens a ninth console tab while eight others are open: background tabs give their live connection back', async () => {
    const { context: ctx, page: first } = await loggedIn();
    await first.goto(`${ui.origin}/runs/rt-pay-tabs`); // paused: its stream stays open
    await first.locator('.approval').waitFor();
    const pages = [first];
    for (let i = 1; i < 9; i++) {
      await hide(pages.at(-1)!);
      const next = await ctx.newPage();
      await next.goto(i % 2 ? `${ui.origin}/runs/rt-pay-tabs` : `${ui.origin}/`, { timeout: 20_000 });
      await next.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.ready === 'true', null, { timeout: 20_000 });
      pages.push(next);
    }
    // The last one (the runs list) is live: the incident stop set elsewhere shows up on it.
    const last = pages.at(-1)!;
    expect((await ctx.request.post(`${ui.origin}/api/kill-all`, { headers: { origin: ui.origin }, data: { reason: 'tabs drill' } })).status()).toBe(200);
    await last.locator('#incident .incident', { hasText: 'tabs drill' }).waitFor({ timeout: 20_000 });
    // A tab shown again catches up.
    await show(first);
    await first.locator('#incident .incident', { hasText: 'tabs drill' }).waitFor({ timeout: 20_000 });
    expect((await ctx.request.post(`${ui.origin}/api/clear-kill`, { headers: { origin: ui.origin }, data: {} })).status()).toBe(200);
    await last.locator('#incident .incident').waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('never renders media parts: an SVG with script, javascript: and data: urls show as inert chips; the trace fetches nothing', async () => {
    const at = new Date().toISOString();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=7"><script>window.__xss=8</script></svg>').toString('base64');
    const view = showable(new Redactor(), {
      run: { runId: 'media', status: 'completed', stopReason: 'final_answer', steps: 1, toolCalls: 1, usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 }, createdAt: at, updatedAt: at, endedAt: at, output: 'ok', pendingApprovals: [],
        input: [{ role: 'user', content: [{ type: 'image', mediaType: 'image/svg+xml', data: svg }, { type: 'image', mediaType: 'image/png', url: 'javascript:window.__xss=9' }, { type: 'file', mediaType: 'text/html', url: `data:text/html;base64,${svg}`, filename: '../../etc/\u202epasswd' }] }] },
      events: [
        { type: 'tool_finished', runId: 'media', at, seq: 1, stepIndex: 0, toolCallId: 'c', name: 'shot', isError: false, durationMs: 1, content: [{ type: 'image', mediaType: 'image/svg+xml', data: svg }, { type: 'image', mediaType: 'image/png', url: 'http://169.254.169.254/latest/meta-data' }] },
      ],
      audit: { ok: true, events: 1, hashChained: false },
      limits: { maxSteps: 8, maxToolCalls: 32 },
      generatedAt: at,
    } as unknown as RunView);
    const html = renderTraceHtml(view);
    expect(html).not.toContain(svg);
    const file = join(mkdtempSync(join(tmpdir(), 'agentrt-rt-media-')), 'media.html');
    writeFileSync(file, html);
    const ctx = await context();
    const page = await ctx.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href);
    await page.locator('[data-call="c"] .result .media-image').first().waitFor();
    await page.locator('.input summary').click();
    expect(await page.locator('main img, main svg, main script, main iframe, main object, main embed, main a[href^="javascript"], main a[href^="data"]').count()).toBe(0);
    expect(await page.locator('.input .media-file').textContent()).toContain('\\u202epasswd');
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(requests).toEqual([pathToFileURL(file).href]);
  });
});
