// rt18d: the console's run page of a damaged run (a lost input blob) in Chromium: the "Damaged
// run" panel, the lost part as "bytes lost", the intact step image decoded, the timeline; no
// "Run not shown", no approve buttons. A run whose record does not parse: the panel and its events.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, defineTool, type Message } from '@agentrt/core';
import { SqliteStore } from '@agentrt/store-sqlite';
import { buildPng, ScriptedModel } from '@agentrt/testing';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { startConsole } from '../src/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const INPUT_PNG = buildPng({ width: 40, height: 20 });
const SHOT_PNG = buildPng({ width: 60, height: 30 });

it('a damaged run page shows what is there, marked; a run whose record does not parse shows its events', { timeout: 90_000 }, async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'agentrt-rt18d-b-')), 'runs.db');
  const store = new SqliteStore({ path });
  const screenshot = defineTool({ name: 'screenshot', description: 'captures', input: z.object({}), execute: async () => [{ type: 'image', mediaType: 'image/png', data: SHOT_PNG.toString('base64') }] });
  const pay = defineTool({ name: 'pay', description: 'pays', input: z.object({}), sideEffects: 'non-idempotent', requiresApproval: true, execute: async () => 'paid' });
  const script = () => new ScriptedModel([ScriptedModel.call('screenshot', {}), ScriptedModel.call('pay', {}), ScriptedModel.answer('paid')]);
  const input: Message[] = [{ role: 'user', content: [{ type: 'text', text: 'pay what you see' }, { type: 'image', mediaType: 'image/png', data: INPUT_PNG.toString('base64') }] }];
  const runtime = createRuntime({ model: script(), store, tools: [screenshot, pay] });
  expect((await runtime.run({ runId: 'hurt', input })).status).toBe('paused');
  expect((await createRuntime({ model: script(), store, tools: [screenshot, pay] }).run({ runId: 'broken', input: 'pay' })).status).toBe('paused');
  const { createHash } = await import('node:crypto');
  execFileSync('sqlite3', [path, `DELETE FROM agentrt_blobs WHERE sha256 = '${createHash('sha256').update(INPUT_PNG).digest('hex')}'`]);
  const server = await startConsole({ runtime, port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url);
    await page.goto(`${server.origin}/runs/hurt`);
    await page.waitForSelector('body[data-ready="true"]');
    const panel = page.locator('section.damaged');
    expect(await panel.isVisible()).toBe(true);
    expect(await panel.textContent()).toContain('1 media part(s) have no bytes');
    expect(await page.locator('.chip.media-missing').textContent()).toContain('bytes lost by the store');
    expect(await page.locator('[data-status]').first().textContent()).toBe('paused');
    expect(await page.locator('[data-action="approve"]').count()).toBe(0);
    expect(await page.locator('[data-action="kill"]').count()).toBe(1);
    await page.waitForFunction(() => {
      const img = (globalThis as unknown as { document: { querySelector(s: string): { complete: boolean; naturalWidth: number } | null } }).document.querySelector('.timeline img.media-img');
      return img !== null && img.complete && img.naturalWidth === 60;
    });
    expect(await page.locator('text=Run not shown').count()).toBe(0);

    // (A record that does not parse fails every listing, so this one is damaged last.)
    execFileSync('sqlite3', [path, `UPDATE agentrt_runs SET static = '{nope' WHERE run_id = 'broken'`]);
    await page.goto(`${server.origin}/runs/broken`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('section.damaged').textContent()).toContain('cannot be read');
    expect(await page.locator('[data-status]').first().textContent()).toBe('unknown');
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('.timeline .tool').length > 0);
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    await runtime.close();
    await store.close();
  }
});
