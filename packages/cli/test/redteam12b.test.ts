// Red team (12b) of `agentrt ui` from outside: the built binary on a real SQLite store, attacked
// over HTTP and driven in Debian's Chromium. Text an approver cannot see smuggled into pending
// arguments (tag characters, variation selectors, joiners), kills of finished runs, a run older
// than the list, and a malformed event written by a foreign process.
import { request as httpRequest } from 'node:http';
import { SqliteStore } from '@agentrt/store-sqlite';
import { checkRunInvariants } from '@agentrt/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentrt, freshDb, startUi, waitFor, type UiProcess } from './__fixtures__/cli-harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const CONFIG = new URL('./__fixtures__/redteam12b.config.mjs', import.meta.url).pathname;
const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };
/** Anything a reader cannot see: controls, format characters (tags included), separators, default-ignorables. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
const INVISIBLE_ONE = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\s]$/u;
/** What may stay raw: newline, tab, and one emoji presentation selector after a visible character. */
const rawInvisible = (text: string) => [...text.matchAll(INVISIBLE)].filter((m) => m[0] !== '\n' && m[0] !== '\t' && !(/[\ufe0e\ufe0f]/.test(m[0]) && !INVISIBLE_ONE.test(text[m.index - 1] ?? '\n'))).map((m) => m[0].codePointAt(0)!.toString(16));

interface Reply {
  readonly status: number;
  readonly body: string;
}

function send(origin: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: { host: url.host, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

let db: string;
let ui: UiProcess;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];
const bearer = () => ({ authorization: `Bearer ${ui.token}` });
const post = (path: string, body: unknown) => send(ui.origin, path, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
const getRun = async (runId: string) => JSON.parse((await send(ui.origin, `/api/runs/${runId}`, { headers: bearer() })).body) as { run: { status: string; stopReason?: string; output?: string; pendingApprovals: { toolCallId: string; argsFingerprint: string }[] } };

/** The store as another process sees it (the console runs in its own). */
async function withStore<T>(work: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ path: db });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function loggedIn(): Promise<Page> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  await page.goto(ui.url);
  expect(page.url()).toBe(`${ui.origin}/`);
  return page;
}

describe('red team 12b: agentrt ui', () => {
  beforeAll(async () => {
    db = freshDb();
    const cli = (...args: string[]) => agentrt(db, args, { config: CONFIG, env: NO_KEYS }).done;
    expect((await cli('run', 'pay', 'old', '--run-id', 'rt12-old')).code).toBe(2);
    expect((await cli('run', 'smuggle', '--run-id', 'rt12-smuggle')).code).toBe(2);
    expect((await cli('run', 'pay', 'kill', '--run-id', 'rt12-paused')).code).toBe(2);
    expect((await cli('run', 'hello', '--run-id', 'rt12-done')).code).toBe(0);
    await withStore(async (store) => {
      const at = new Date().toISOString();
      const finish = (runId: string, events: unknown[]) => store.finishRun({
        runId,
        result: { runId, status: 'completed', stopReason: 'final_answer', output: 'ok', steps: 1, toolCalls: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, startedAt: at, endedAt: at },
        events: events as never,
      });
      // A foreign writer's run: its second event has `tools` as a string, not a list.
      await store.createRun({ runId: 'rt12-bad', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'x', toolsFingerprint: 'x', createdAt: at });
      await finish('rt12-bad', [
        { type: 'run_started', runId: 'rt12-bad', at, seq: 1, messageCount: 1, tools: [] },
        { type: 'model_request', runId: 'rt12-bad', at, seq: 2, stepIndex: 0, messageCount: 1, historyMessages: 1, repairedPairs: 0, tools: 'not-a-list', attempt: 1 },
        { type: 'step_finished', runId: 'rt12-bad', at, seq: 3, stepIndex: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, toolCalls: 0, toolCallsRefused: 0, durationMs: 1 },
        { type: 'run_finished', runId: 'rt12-bad', at, seq: 4, result: { runId: 'rt12-bad', status: 'completed', stopReason: 'final_answer', steps: 1, toolCalls: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } } },
      ]);
      // 60 newer runs: the list (newest 50 by default) no longer holds rt12-old.
      for (let i = 0; i < 60; i++) {
        const runId = `rt12-newer-${i}`;
        await store.createRun({ runId, input: [{ role: 'user', content: 'x' }], inputFingerprint: 'x', toolsFingerprint: 'x', createdAt: new Date(Date.now() + 1000 + i).toISOString() });
        await finish(runId, [{ type: 'run_started', runId, at, seq: 1, messageCount: 1, tools: [] }]);
      }
    });
    ui = await startUi(db, [], { config: CONFIG, env: NO_KEYS });
  }, 180_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => undefined);
    await browser?.close();
    await ui?.stop();
  }, 60_000);

  it('refuses to kill a finished run (409 run_not_active) and leaves no kill flag behind; a paused run is killed', async () => {
    const finished = await post('/api/runs/rt12-done/kill', { reason: 'too late' });
    expect(finished.status).toBe(409);
    expect(JSON.parse(finished.body).error.code).toBe('run_not_active');
    expect(await withStore((store) => store.getKillFlag('rt12-done'))).toBeUndefined();
    expect((await getRun('rt12-done')).run).toMatchObject({ status: 'completed', stopReason: 'final_answer' });
    expect((await post('/api/runs/rt12-nope/kill', {})).status).toBe(404);
    const paused = await post('/api/runs/rt12-paused/kill', { reason: 'drill' });
    expect(paused.status).toBe(200);
    expect((await getRun('rt12-paused')).run).toMatchObject({ status: 'stopped', stopReason: 'killed' });
    // Once it is killed, killing it again is the same clear refusal.
    expect((await post('/api/runs/rt12-paused/kill', {})).status).toBe(409);
    for (const runId of ['rt12-done', 'rt12-paused']) expect((await withStore((store) => checkRunInvariants({ store, runId }))).violations, runId).toEqual([]);
  });

  it('shows text smuggled in approval args (tag characters, variation selectors, joiners) as escapes; approving in the page finishes the run', async () => {
    const page = await loggedIn();
    await page.goto(`${ui.origin}/runs/rt12-smuggle`);
    const approval = page.locator('.approval[data-call="pay-1"]');
    await approval.waitFor();
    const args = (await approval.locator('pre').textContent())!;
    expect(rawInvisible(args)).toEqual([]);
    expect(args).toContain('send to ops\\u{e0063}\\u{e0063}\\u{e0020}\\u{e0065}');
    expect(args).toContain('a\\ufe01\\ufe02\\u{e0101}\\u{e0102}');
    expect(args).toContain('b\\u2060c\\u00add\\u2028e\\u3164f');
    // The positive path: approve in the console, the run finishes live on the same page.
    await approval.locator('[data-action="approve"]').click();
    await page.locator('.run-head [data-status="completed"]').waitFor({ timeout: 30_000 });
    const answer = (await page.locator('.output pre.answer').textContent())!;
    expect(rawInvisible(answer)).toEqual([]);
    expect(answer).toContain('done ❤️ send to ops\\u{e0063}');
    expect(rawInvisible((await page.locator('main').textContent())!)).toEqual([]);
    const events = await withStore((store) => store.listEvents('rt12-smuggle'));
    expect(events.filter((e) => e.type === 'approval_decided')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'tool_finished')).toHaveLength(1);
    expect((await withStore((store) => checkRunInvariants({ store, runId: 'rt12-smuggle' }))).violations).toEqual([]);
  }, 90_000);

  it('finds a run older than the loaded list when its id is typed in full (a paused run under newer ones)', async () => {
    const page = await loggedIn();
    await page.locator('tr[data-run="rt12-newer-59"]').waitFor();
    expect(await page.locator('tr[data-run="rt12-old"]').count()).toBe(0);
    await page.locator('input[name="search"]').fill('rt12-old');
    const row = page.locator('tr[data-run="rt12-old"]');
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('awaiting approval');
    // A part of an id searches the loaded runs only; an unknown id matches nothing.
    await page.locator('input[name="search"]').fill('rt12-nope');
    await page.locator('td.empty').waitFor();
    await page.locator('input[name="search"]').fill('rt12-old');
    await row.locator('a').click();
    await page.locator('.approval[data-call="pay-1"]').waitFor();
  }, 60_000);

  it('shows a malformed event from a foreign writer as a note and still shows every event after it', async () => {
    const page = await loggedIn();
    await page.goto(`${ui.origin}/runs/rt12-bad`);
    await page.waitForFunction(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.streamEnded === 'true', null, { timeout: 20_000 });
    expect(await page.locator('.timeline .note.error').textContent()).toContain('event #2 (model_request) could not be shown');
    expect(await page.locator('[data-step="0"] .row.committed').count()).toBe(1);
    expect(await page.locator('.timeline .note', { hasText: 'finished: final_answer' }).count()).toBe(1);
  }, 60_000);
});
