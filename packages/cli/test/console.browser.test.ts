// The console and the HTML trace in a real browser: Debian's Chromium driven by playwright-core,
// headless. scripts/test.mjs (and so .ci/run) installs Chromium with apt when it is missing; if it
// is still not there these tests fail — they are never skipped.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redactor } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTraceHtml, showable, type RunView } from '../src/index.js';
import { agentrt, freshDb, run, startUi, waitFor, type UiProcess } from './__fixtures__/cli-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const SCREENSHOT = new URL('../../../docs/console.png', import.meta.url).pathname;
const HOSTILE_ID = `x"'><img src=x onerror="window.__xss=4">`;
const HOSTILE = '<img src=x onerror="window.__xss=5"><script>window.__xss=6</script>';

let db: string;
let ui: UiProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
const outside: string[] = [];

/** A fresh browser context (own cookies); records any request that leaves the console or the file. */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(ui.origin) && !url.startsWith('file://') && !url.startsWith('data:')) outside.push(url);
  });
  return page;
}

/** Opens the console the way a user does: the printed URL, then a page of it. */
async function openConsole(path = '/'): Promise<Page> {
  const page = await newPage();
  await page.goto(ui.url);
  expect(page.url()).toBe(`${ui.origin}/`);
  if (path !== '/') await page.goto(`${ui.origin}${path}`);
  return page;
}

const xssFired = (page: Page) => page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss);

// Each test drives a browser and starts CLI processes: generous timeouts for a machine the rest of the suite keeps busy.
describe('agentrt ui in Chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium (scripts/test.mjs does this)`);
    db = freshDb();
    const setup = [];
    for (const args of [['add', 'two', 'numbers', '--run-id', 'br-add'], ['pay', 'the', 'invoice', '--run-id', 'br-pay'], ['xss', '--run-id', 'br-xss'], ['think', 'hard', '--run-id', 'br-think']]) {
      const result = await run(db, 'run', ...args);
      setup.push(`${result.code} ${result.err}`);
    }
    expect(setup).toEqual(['0 ', '2 ', '0 ', '0 ']);
    // A run written straight into the store by someone else, hostile in every field the console shows.
    const store = new SqliteStore({ path: db });
    const at = new Date().toISOString();
    await store.createRun({ runId: HOSTILE_ID, input: [{ role: 'user', content: HOSTILE }], inputFingerprint: 'x', toolsFingerprint: 'x', createdAt: at, metadata: { [HOSTILE]: HOSTILE } });
    await store.finishRun({
      runId: HOSTILE_ID,
      result: { runId: HOSTILE_ID, status: 'failed', stopReason: 'error', stopDetail: HOSTILE, output: HOSTILE, steps: 0, toolCalls: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, startedAt: at, endedAt: at, error: { code: HOSTILE, message: HOSTILE } },
      events: [
        { type: 'run_started', runId: HOSTILE_ID, at, seq: 1, messageCount: 1, tools: [HOSTILE] },
        { type: 'run_error', runId: HOSTILE_ID, at, seq: 2, code: HOSTILE, message: HOSTILE },
      ],
    });
    await store.close();
    ui = await startUi(db);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await ui?.stop();
  }, 60_000);

  it('opens with the token from the printed URL and shows a finished run step by step', async () => {
    const page = await openConsole();
    const row = page.locator('tr[data-run="br-add"]');
    await row.waitFor();
    expect(await row.locator('[data-status]').textContent()).toBe('completed');
    expect(await row.textContent()).toContain('final_answer');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe(''); // the token cookie is HttpOnly
    await row.locator('a').click();
    await page.waitForURL(`${ui.origin}/runs/br-add`);
    await page.locator('[data-step="1"]').waitFor();
    const tool = page.locator('[data-call="add-0"]');
    expect(await tool.getAttribute('data-state')).toBe('ok');
    expect(await tool.locator('.args pre').textContent()).toBe('{\n  "a": 2,\n  "b": 3\n}');
    expect(await tool.locator('.result pre').textContent()).toBe('5');
    expect(await page.locator('[data-step="0"] .context').textContent()).toContain('1 of 1 message(s) sent');
    expect(await page.locator('[data-step="0"] .committed').textContent()).toContain('10 in + 5 out tokens');
    expect(await page.locator('[data-field="steps"]').textContent()).toBe('2 of 200');
    expect(await page.locator('[data-field="audit"]').textContent()).toMatch(/^\d+ events, sequence intact$/);
    expect(await page.locator('.output pre.answer').textContent()).toBe('The sum is 5.');
    await page.locator('.note', { hasText: 'finished: final_answer' }).waitFor();
    expect(outside).toEqual([]);
  });

  it('refuses pages, the API and live streams to a browser without the token', async () => {
    const page = await newPage();
    for (const path of ['/', '/runs/br-add']) {
      const response = await page.goto(`${ui.origin}${path}`);
      expect(response?.status()).toBe(401);
      expect(await page.locator('h1').textContent()).toBe('Unauthorized');
    }
    const statuses = await page.evaluate(async () => Promise.all(['/api/runs', '/api/runs/br-add', '/api/runs/br-add/stream', '/assets/console.js'].map(async (path) => (await fetch(path)).status)));
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(await page.context().request.post(`${ui.origin}/api/kill-all`, { data: {} }).then((r) => r.status())).toBe(401);
  });

  it('approves a paused call showing its exact args, and the run finishes live on the same page', async () => {
    const page = await openConsole('/runs/br-pay');
    const approval = page.locator('.approval[data-call="pay-0"]');
    await approval.waitFor();
    expect(await approval.locator('pre').textContent()).toBe('{\n  "cents": 500\n}');
    expect(await approval.locator('.fingerprint code').textContent()).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.locator('.run-head [data-status]').textContent()).toBe('paused');
    await page.evaluate(() => ((globalThis as unknown as { __samePage: boolean }).__samePage = true));
    await approval.locator('input[name="reason"]').fill('invoice checked');
    await approval.locator('[data-action="approve"]').click();
    await page.locator('.run-head [data-status="completed"]').waitFor({ timeout: 20_000 });
    await page.locator('[data-step="1"]').waitFor();
    expect(await page.locator('.output pre.answer').textContent()).toBe('Done: paid 500.');
    const tool = page.locator('.tool[data-call="pay-0"]');
    expect(await tool.getAttribute('data-state')).toBe('ok');
    expect(await tool.locator('.notes').textContent()).toContain('approved: invoice checked');
    expect(await tool.locator('.result pre').textContent()).toBe('paid 500');
    expect(await page.locator('.approvals').isHidden()).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as { __samePage?: boolean }).__samePage)).toBe(true);
    await page.locator('[data-field="audit"]', { hasText: 'sequence intact' }).waitFor();
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(SCREENSHOT)) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.locator('.toast').evaluateAll((toasts) => toasts.forEach((toast) => (toast as unknown as { remove(): void }).remove()));
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
  });

  it('kills a running run driven by another process; the page follows it to its stop', async () => {
    const loop = agentrt(db, ['run', 'loop', 'forever', '--run-id', 'br-loop']);
    try {
      const page = await openConsole();
      await waitFor(async () => (await page.context().request.get(`${ui.origin}/api/runs/br-loop`)).ok(), 'the run to start');
      await page.goto(`${ui.origin}/runs/br-loop`);
      await page.locator('[data-step="1"]').waitFor({ timeout: 20_000 }); // a step that happened while we watched
      expect(await page.locator('.live').isVisible()).toBe(true);
      await page.locator('input[name="kill-reason"]').fill('runaway in test');
      await page.locator('[data-action="kill"]').click();
      await page.locator('.run-head [data-status="stopped"]').waitFor({ timeout: 20_000 });
      await page.locator('.note', { hasText: 'killed (this run): runaway in test' }).waitFor();
      expect(await page.locator('[data-field="stop reason"]').textContent()).toBe('killed');
      expect(await page.locator('.live').isHidden()).toBe(true);
      expect((await loop.done).code).toBe(3);
    } finally {
      loop.kill();
    }
  });

  it('keeps the incident reason being typed while the list updates live', async () => {
    const page = await openConsole();
    await page.locator('tr[data-run]').first().waitFor();
    await page.locator('input[name="reason"]').fill('typed before an update');
    // A new run makes the stream send a fresh list, which re-renders the table.
    expect((await run(db, 'run', 'add', 'one', '--run-id', 'br-typing')).code).toBe(0);
    await page.locator('tr[data-run="br-typing"]').waitFor();
    expect(await page.locator('input[name="reason"]').inputValue()).toBe('typed before an update');
    await page.locator('input[name="reason"]').fill('');
  });

  it('sets an incident stop from the runs page and clears it; the list updates live', async () => {
    const page = await openConsole();
    await page.locator('input[name="reason"]').fill('drill');
    await page.locator('[data-action="kill-all"]').click();
    await page.locator('#incident .incident', { hasText: 'drill' }).waitFor();
    const refused = await run(db, 'run', 'add', 'one', '--run-id', 'br-refused');
    expect(refused.code).toBe(3);
    await page.locator('tr[data-run="br-refused"] [data-status="stopped"]').waitFor();
    await page.locator('[data-action="clear-kill"]').click();
    await page.locator('#incident .incident').waitFor({ state: 'detached' });
    expect((await run(db, 'run', 'add', 'two', '--run-id', 'br-after')).code).toBe(0);
    await page.locator('tr[data-run="br-after"] [data-status="completed"]').waitFor();
    await page.locator('select[name="status"]').selectOption('stopped');
    await page.locator('tr[data-run="br-after"]').waitFor({ state: 'detached' });
    expect(await page.locator('tr[data-run="br-refused"]').count()).toBe(1);
  });

  it('shows hostile strings as text and runs none of them (tool results, run ids, stored fields)', async () => {
    const page = await openConsole('/runs/br-xss');
    await page.locator('[data-step="1"]').waitFor();
    expect(await page.locator('[data-call="render-0"] .result pre').textContent()).toContain('<script>window.__xss=2</script>');
    expect(await page.locator('[data-call="render-0"] .args pre').textContent()).toContain('onerror=\\"window.__xss=1\\"');
    expect(await page.locator('main img, main svg, main script').count()).toBe(0);
    expect(await xssFired(page)).toBeUndefined();

    await page.goto(`${ui.origin}/`);
    const link = page.locator('td.id a', { hasText: HOSTILE_ID });
    await link.waitFor();
    expect(await link.textContent()).toBe(HOSTILE_ID);
    await link.click();
    await page.locator('.run-id', { hasText: HOSTILE_ID }).waitFor();
    await page.locator('.note.error').waitFor();
    expect(await page.locator('.output pre.answer').textContent()).toBe(HOSTILE);
    expect(await page.locator('main img, main svg, main script').count()).toBe(0);
    expect(await xssFired(page)).toBeUndefined();
  });

  it('never shows a secret: redacted args of a pending approval, with their fingerprint', async () => {
    expect((await run(db, 'run', 'secret', '--run-id', 'br-secret')).code).toBe(2);
    const page = await openConsole('/runs/br-secret');
    const approval = page.locator('.approval[data-call="send-0"]');
    await approval.waitFor();
    expect(await approval.locator('pre').textContent()).toContain('[REDACTED]');
    const html = await page.content();
    expect(html).not.toContain('sk-agentrt-CANARY');
  });

  it('collapses model reasoning until asked', async () => {
    const page = await openConsole('/runs/br-think');
    const reasoning = page.locator('details.reasoning');
    await reasoning.waitFor();
    expect(await reasoning.evaluate((el) => (el as unknown as { open: boolean }).open)).toBe(false);
    expect(await reasoning.locator('pre').isVisible()).toBe(false);
    await reasoning.locator('summary').click();
    expect(await reasoning.locator('pre').textContent()).toBe('The user wants a number; 6 × 7 = 42.');
  });

  it('opens an HTML trace from a file: the same view, no console actions, nothing fetched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentrt-trace-'));
    for (const runId of ['br-pay', 'br-xss']) expect((await run(db, 'trace', runId, '--html', join(dir, `${runId}.html`))).code).toBe(0);
    const page = await newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const file = pathToFileURL(join(dir, 'br-pay.html')).href;
    await page.goto(file);
    await page.locator('[data-step="1"]').waitFor();
    expect(await page.title()).toBe('agentrt trace · br-pay');
    expect(await page.locator('.tool[data-call="pay-0"] .notes').textContent()).toContain('approved: invoice checked');
    expect(await page.locator('.output pre.answer').textContent()).toBe('Done: paid 500.');
    expect(await page.locator('[data-field="audit"]').textContent()).toContain('sequence intact');
    expect(await page.locator('[data-action], .approvals:not([hidden]), .actions:not([hidden])').count()).toBe(0);
    expect(requests).toEqual([file]);

    await page.goto(pathToFileURL(join(dir, 'br-xss.html')).href);
    await page.locator('[data-call="render-0"] .result pre').waitFor();
    expect(await page.locator('[data-call="render-0"] .result pre').textContent()).toContain('<script>window.__xss=2</script>');
    expect(await xssFired(page)).toBeUndefined();
  });

  it('shows images and files as labelled chips (never their bytes) and structured output as JSON', async () => {
    const at = new Date().toISOString();
    const image = Buffer.from('a tiny image!').toString('base64');
    const view = showable(new Redactor(), {
      run: { runId: 'rich', status: 'completed', stopReason: 'final_answer', steps: 1, toolCalls: 1, usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.0012 }, createdAt: at, updatedAt: at, endedAt: at, output: { answer: 42, unit: 'widgets' }, pendingApprovals: [], input: [{ role: 'user', content: [{ type: 'text', text: 'what is in this picture?' }, { type: 'image', mediaType: 'image/png', data: image }] }] },
      events: [
        { type: 'step_started', runId: 'rich', at, seq: 1, stepIndex: 0 },
        { type: 'model_response', runId: 'rich', at, seq: 2, stepIndex: 0, message: { role: 'assistant', content: '', toolCalls: [{ id: 'shot-1', name: 'screenshot', args: {} }] }, usage: { inputTokens: 10, outputTokens: 5 }, finishReason: 'tool_calls' },
        { type: 'tool_finished', runId: 'rich', at, seq: 3, stepIndex: 0, toolCallId: 'shot-1', name: 'screenshot', isError: false, durationMs: 12, content: [{ type: 'text', text: 'captured' }, { type: 'image', mediaType: 'image/png', sha256: 'ab'.repeat(32), bytes: 2048 }, { type: 'file', mediaType: 'application/pdf', filename: 'report.pdf', sha256: 'cd'.repeat(32), bytes: 3_500_000 }] },
        { type: 'step_finished', runId: 'rich', at, seq: 4, stepIndex: 0, usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.0012 }, toolCalls: 1, durationMs: 20 },
      ],
      audit: { ok: true, events: 4, hashChained: false },
      limits: { maxSteps: 8, maxToolCalls: 32 },
      generatedAt: at,
    } as unknown as RunView);
    const html = renderTraceHtml(view);
    expect(html).not.toContain(image);
    const file = join(mkdtempSync(join(tmpdir(), 'agentrt-rich-')), 'rich.html');
    writeFileSync(file, html);
    const page = await newPage();
    await page.goto(pathToFileURL(file).href);
    const result = page.locator('[data-call="shot-1"] .result');
    await result.waitFor();
    expect(await result.locator('.media-image').textContent()).toBe(`image · image/png · 2.0 KB · sha256 ${'ab'.repeat(6)}…`);
    expect(await result.locator('.media-file').textContent()).toBe(`file · application/pdf · report.pdf · 3.3 MB · sha256 ${'cd'.repeat(6)}…`);
    expect(await result.locator('pre').first().textContent()).toBe('captured');
    expect(await page.locator('.output h2').textContent()).toBe('Output (structured)');
    expect(await page.locator('.output pre').textContent()).toBe('{\n  "answer": 42,\n  "unit": "widgets"\n}');
    await page.locator('.input summary').click();
    expect(await page.locator('.input .media-image').textContent()).toMatch(/^image · image\/png · 13 B · sha256 [0-9a-f]{12}…$/);
    expect(await page.locator('[data-field="cost"]').textContent()).toBe('$0.0012');
    expect(readFileSync(file, 'utf8')).not.toContain('"data"');
  });
});
