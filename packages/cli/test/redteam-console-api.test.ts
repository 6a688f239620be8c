// Red team of `agentrt ui` over HTTP, from outside: the built binary as a child process, a real
// SQLite store filled by the hostile config and by a foreign writer, raw requests with forged
// request lines and browser fetch-metadata headers.
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@agentrt/store-sqlite';
import { SECRET_CANARIES } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentrt, freshDb, startUi, waitFor, type UiProcess } from './__fixtures__/cli-harness.js';

const HOSTILE_CONFIG = new URL('./__fixtures__/hostile.config.mjs', import.meta.url).pathname;
const NO_KEYS = { OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', OLLAMA_HOST: '', AGENTRT_MODEL: '' };
const HUGE = 10 * 1024 * 1024;

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function send(origin: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: options.method ?? 'GET', headers: { ...options.headers, ...(options.body !== undefined ? { 'content-length': String(Buffer.byteLength(options.body)) } : {}) } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A raw HTTP/1.1 exchange (forged request lines and duplicate headers that node's client would not send). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk)).on('end', () => resolve(data)).on('error', reject);
  });
}
const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

/** Reads a stream's messages until `until` holds (or the server ends it). */
function readStream(origin: string, path: string, headers: Record<string, string>, until: (messages: { event: string; data: string }[]) => boolean, timeoutMs = 30_000): Promise<{ event: string; data: string }[]> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const messages: { event: string; data: string }[] = [];
    let buffer = '';
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`stream ${path} timed out after ${messages.length} message(s)`));
    }, timeoutMs);
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers }, (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        res.resume();
        reject(new Error(`stream ${path} answered ${res.statusCode}`));
        return;
      }
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve(messages);
      };
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) continue;
          const message = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) message.data += line.slice(6);
          }
          messages.push(message);
          if (until(messages)) return finish();
        }
      }).on('end', finish);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

describe('red team: agentrt ui over HTTP', () => {
  let db: string;
  let ui: UiProcess;
  let host: string;
  let cookie: string;
  let page: Record<string, string>;
  let post: Record<string, string>;

  beforeAll(async () => {
    db = freshDb();
    const hostile = (...args: string[]) => agentrt(db, args, { config: HOSTILE_CONFIG, env: NO_KEYS }).done;
    expect((await hostile('run', 'leak', '--run-id', 'rt-leak')).code).toBe(0);
    expect((await hostile('run', 'answer', '--run-id', 'rt-answer')).code).toBe(0);
    expect((await hostile('run', 'pay', '--run-id', 'rt-pay')).code).toBe(2);
    expect((await hostile('run', 'pay', 'two', '--run-id', 'rt-pay-race')).code).toBe(2);
    expect((await hostile('run', 'pay', 'three', '--run-id', 'rt-pay-killed')).code).toBe(2);
    // A foreign writer: canaries in ANSI colours, enormous args/metadata and many events.
    const store = new SqliteStore({ path: db });
    const at = new Date().toISOString();
    const coloured = SECRET_CANARIES.map((c) => `\x1b[31m${c}\x1b[0m`).join(' ');
    const big = 'x'.repeat(HUGE);
    await store.createRun({ runId: 'rt-huge', input: [{ role: 'user', content: big }], inputFingerprint: 'x', toolsFingerprint: 'x', createdAt: at, metadata: { note: coloured, big } });
    const events = [
      { type: 'run_started', runId: 'rt-huge', at, seq: 1, messageCount: 1, tools: ['t'] },
      { type: 'tool_started', runId: 'rt-huge', at, seq: 2, stepIndex: 0, toolCallId: 'c', name: 't', args: { big, secret: coloured } },
      ...Array.from({ length: 3000 }, (_, i) => ({ type: 'loop_warning', runId: 'rt-huge', at, seq: i + 3, stepIndex: 0, toolCallId: 'c', name: 't', repeats: i })),
    ];
    await store.finishRun({
      runId: 'rt-huge',
      result: { runId: 'rt-huge', status: 'failed', stopReason: 'error', stopDetail: coloured, output: big, steps: 0, toolCalls: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, startedAt: at, endedAt: at, error: { code: 'x', message: coloured } },
      events: events as never,
    });
    // Another run whose every event is as large as the console shows one (100,000 characters).
    await store.createRun({ runId: 'rt-wide', input: [{ role: 'user', content: 'x' }], inputFingerprint: 'x', toolsFingerprint: 'x', createdAt: at });
    const wide = 'w'.repeat(150_000);
    await store.finishRun({
      runId: 'rt-wide',
      result: { runId: 'rt-wide', status: 'completed', stopReason: 'final_answer', output: 'ok', steps: 0, toolCalls: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 }, startedAt: at, endedAt: at },
      events: Array.from({ length: 100 }, (_, i) => ({ type: 'run_error', runId: 'rt-wide', at, seq: i + 1, code: 'x', message: wide })) as never,
    });
    await store.close();
    ui = await startUi(db, [], { config: HOSTILE_CONFIG, env: NO_KEYS });
    host = new URL(ui.origin).host;
    const entry = await send(ui.origin, `/?token=${ui.token}`, { headers: { host } });
    cookie = String(entry.headers['set-cookie']?.[0]).split(';')[0]!;
    page = { host, cookie };
    post = { host, cookie, origin: ui.origin, 'content-type': 'application/json' };
  }, 180_000);

  afterAll(async () => {
    await ui?.stop();
  });

  it('refuses an absolute-form request line naming another authority, whatever the Host header says', async () => {
    const foreign = await raw(ui.port, `GET http://evil.example/api/runs HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(foreign)).toBe(403);
    expect(foreign).not.toContain('rt-leak');
    const foreignToken = await raw(ui.port, `GET http://evil.example/?token=${ui.token} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(foreignToken)).toBe(403);
    expect(foreignToken.toLowerCase()).not.toContain('set-cookie');
    // The console's own authority in absolute form (what a proxy-style client sends) is fine.
    expect(statusOf(await raw(ui.port, `GET http://${host}/api/status HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`))).toBe(200);
    // Duplicate Host headers and Host variants stay refused.
    for (const hosts of [[host, 'evil.example'], ['evil.example', host], [`${host}.`], [host.toUpperCase().replace('127.0.0.1', 'LOCALHOST.')], [`[::1]:${ui.port}`], [host.split(':')[0]!]]) {
      const text = `GET /api/runs HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}Cookie: ${cookie}\r\nConnection: close\r\n\r\n`;
      expect([400, 403], hosts.join(' + ')).toContain(statusOf(await raw(ui.port, text)));
    }
  });

  it('refuses requests another site (another localhost port included) makes with the cookie, except top-level navigations', async () => {
    const other = `http://127.0.0.1:${ui.port + 1}`;
    const crossOrigin = [
      ['same-site cors fetch of the API', '/api/runs', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', origin: other }],
      ['same-site no-cors fetch of the API', '/api/runs/rt-leak', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty' }],
      ['same-site EventSource', '/api/runs/stream', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', origin: other, accept: 'text/event-stream' }],
      ['same-site run stream', '/api/runs/rt-leak/stream', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', origin: other, accept: 'text/event-stream' }],
      ['cross-site script include', '/assets/console.js', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' }],
      ['same-site iframe', '/runs/rt-leak', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' }],
      ['same-site image', '/api/runs', { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }],
    ] as const;
    for (const [name, path, headers] of crossOrigin) {
      const reply = await send(ui.origin, path, { headers: { ...page, ...headers } });
      expect(reply.status, name).toBe(403);
      expect(reply.body, name).not.toContain('rt-leak"');
    }
    // A link from another local page opens the console (a navigation), and the page's own requests work.
    expect((await send(ui.origin, '/runs/rt-leak', { headers: { ...page, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } })).status).toBe(200);
    expect((await send(ui.origin, '/api/runs', { headers: { ...page, 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' } })).status).toBe(200);
    expect((await send(ui.origin, '/', { headers: { ...page, 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' } })).status).toBe(200);
    // State changes from there are refused as before.
    expect((await send(ui.origin, '/api/kill-all', { method: 'POST', headers: { ...post, origin: other, 'sec-fetch-site': 'same-site' }, body: '{}' })).status).toBe(403);
    expect(JSON.parse((await send(ui.origin, '/api/status', { headers: page })).body)).toEqual({ incident: null });
  });

  it('keeps working when a page on another port plants a same-named cookie (cookies ignore ports), and takes any paging number', async () => {
    // Set-Cookie from http://127.0.0.1:OTHER applies to this console too; a more specific Path is sent first.
    const name = cookie.split('=')[0]!;
    const tossed = { host, cookie: `${name}=planted-by-another-port; ${cookie}` };
    expect((await send(ui.origin, '/api/runs', { headers: tossed })).status).toBe(200);
    expect((await send(ui.origin, '/api/runs', { headers: { host, cookie: `${name}=planted-by-another-port` } })).status).toBe(401);
    for (const after of ['Infinity', '1e308', '-5', 'NaN', '9007199254740993', '0x10']) {
      const reply = await send(ui.origin, `/api/runs/rt-leak/events?after=${after}`, { headers: page });
      expect(reply.status, after).toBe(200);
    }
  });

  it('serves no secret canary (ANSI-coloured ones included) from any page, API answer, stream or HTML trace', async () => {
    const bodies: string[] = [(await send(ui.origin, '/api/runs?limit=500', { headers: page })).body];
    for (const runId of ['rt-leak', 'rt-answer', 'rt-pay', 'rt-huge']) {
      bodies.push((await send(ui.origin, `/api/runs/${runId}`, { headers: page })).body);
      bodies.push((await send(ui.origin, `/api/runs/${runId}/events?limit=500`, { headers: page })).body);
      const streamed = await readStream(ui.origin, `/api/runs/${runId}/stream`, page, (all) => all.some((m) => m.event === 'end') || all.some((m) => m.event === 'run' && m.data.includes('"paused"')));
      bodies.push(streamed.map((m) => m.data).join('\n'));
      const file = join(tmpdir(), `agentrt-rt-${runId}-${process.pid}.html`);
      const written = await agentrt(db, ['trace', runId, '--html', file], { config: HOSTILE_CONFIG, env: NO_KEYS }).done;
      expect(written.code, written.err).toBe(0);
      bodies.push(readFileSync(file, 'utf8'));
    }
    const all = bodies.join('\n');
    for (const canary of SECRET_CANARIES) expect(all).not.toContain(canary);
    expect(all).toContain('[REDACTED]');
    expect(all).toContain('rt-pay');
  }, 120_000);

  it('bounds what a run with 10 MB values and thousands of events costs: answers, stream messages and the HTML trace', async () => {
    const view = await send(ui.origin, '/api/runs/rt-huge', { headers: page });
    expect(view.status).toBe(200);
    expect(view.body.length).toBeLessThan(1024 * 1024);
    const events = await send(ui.origin, '/api/runs/rt-huge/events?limit=100000', { headers: page });
    expect((JSON.parse(events.body) as { events: unknown[] }).events.length).toBe(500);
    expect(events.body.length).toBeLessThan(2 * 1024 * 1024);
    const streamed = await readStream(ui.origin, '/api/runs/rt-huge/stream', page, (all) => all.some((m) => m.event === 'end'), 60_000);
    const batches = streamed.filter((m) => m.event === 'events').map((m) => JSON.parse(m.data) as unknown[]);
    expect(batches.reduce((n, batch) => n + batch.length, 0)).toBe(3002);
    expect(Math.max(...batches.map((batch) => batch.length))).toBeLessThanOrEqual(500);
    const file = join(tmpdir(), `agentrt-rt-huge-${process.pid}.html`);
    expect((await agentrt(db, ['trace', 'rt-huge', '--html', file], { config: HOSTILE_CONFIG, env: NO_KEYS }).done).code).toBe(0);
    expect(readFileSync(file, 'utf8').length).toBeLessThan(3 * 1024 * 1024);
  }, 120_000);

  it('keeps every event page and stream message of a run with large events to a few megabytes, and still delivers every event', async () => {
    const page1 = await send(ui.origin, '/api/runs/rt-wide/events?limit=500', { headers: page });
    const first = (JSON.parse(page1.body) as { events: { seq: number }[] }).events;
    expect(first.length).toBeGreaterThan(0);
    expect(page1.body.length).toBeLessThan(4 * 1024 * 1024);
    const streamed = await readStream(ui.origin, '/api/runs/rt-wide/stream', page, (all) => all.some((m) => m.event === 'end'), 60_000);
    const batches = streamed.filter((m) => m.event === 'events');
    expect(Math.max(...batches.map((m) => m.data.length))).toBeLessThan(4 * 1024 * 1024);
    expect(batches.flatMap((m) => (JSON.parse(m.data) as { seq: number }[]).map((e) => e.seq))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  }, 120_000);

  it('decides a pending call exactly once: concurrent approve/deny POSTs get one 202, the rest 409', async () => {
    const view = JSON.parse((await send(ui.origin, '/api/runs/rt-pay-race', { headers: page })).body) as { run: { pendingApprovals: { toolCallId: string; argsFingerprint: string }[] } };
    const pending = view.run.pendingApprovals[0]!;
    const decide = (decision: string) => send(ui.origin, '/api/runs/rt-pay-race/approve', { method: 'POST', headers: post, body: JSON.stringify({ toolCallId: pending.toolCallId, decision, argsFingerprint: pending.argsFingerprint }) });
    const replies = await Promise.all([decide('approve'), decide('approve'), decide('deny'), decide('approve')]);
    expect(replies.map((r) => r.status).sort()).toEqual([202, 409, 409, 409]);
    const done = await waitFor(async () => {
      const current = JSON.parse((await send(ui.origin, '/api/runs/rt-pay-race', { headers: page })).body) as { run: { status: string } };
      return current.run.status === 'completed' ? current : undefined;
    }, 'the approved run to finish', 60_000);
    expect(done.run.status).toBe('completed');
    const events = JSON.parse((await send(ui.origin, '/api/runs/rt-pay-race/events?limit=500', { headers: page })).body) as { events: { type: string; name?: string }[] };
    expect(events.events.filter((e) => e.type === 'approval_decided')).toHaveLength(1);
    expect(events.events.filter((e) => e.type === 'tool_finished' && e.name === 'pay')).toHaveLength(1);
    // Approving it again once it is done: refused.
    expect((await decide('approve')).status).toBe(409);
  }, 90_000);

  it('refuses to approve a run that was killed while it waited', async () => {
    const view = JSON.parse((await send(ui.origin, '/api/runs/rt-pay-killed', { headers: page })).body) as { run: { pendingApprovals: { toolCallId: string; argsFingerprint: string }[] } };
    const pending = view.run.pendingApprovals[0]!;
    expect((await send(ui.origin, '/api/runs/rt-pay-killed/kill', { method: 'POST', headers: post, body: '{"reason":"no"}' })).status).toBe(200);
    const approve = await send(ui.origin, '/api/runs/rt-pay-killed/approve', { method: 'POST', headers: post, body: JSON.stringify({ toolCallId: pending.toolCallId, decision: 'approve', argsFingerprint: pending.argsFingerprint }) });
    expect(approve.status).toBe(409);
    expect(JSON.parse((await send(ui.origin, '/api/runs/rt-pay-killed', { headers: page })).body).run).toMatchObject({ status: 'stopped', stopReason: 'killed' });
  });
});

describe('red team: startConsole bind addresses', () => {
  it('refuses every spelling of a wildcard address (it would expose the console on every interface)', async () => {
    const { createRuntime, MemoryStore } = await import('@agentrt/core');
    const { startConsole } = await import('../src/index.js');
    const runtime = createRuntime({ model: { provider: 'x', model: 'y', generate: async () => { throw new Error('unused'); } }, store: new MemoryStore() });
    try {
      for (const host of ['0', '0.0', '00.0.0.0', '0x0', '::0', '0:0::0', '::ffff:0.0.0.0', '[::]']) {
        const started = await startConsole({ runtime, host, port: 0 }).then(async (server) => {
          await server.close();
          return server.origin;
        }, (error: { code?: string; field?: string }) => `${error.code}:${error.field}`);
        expect(started, host).toBe('config_invalid:host');
      }
      // A bracketed IPv6 loopback, as typed in a URL, is the loopback.
      const v6 = await startConsole({ runtime, host: '[::1]', port: 0 });
      expect(v6.origin).toMatch(/^http:\/\/\[::1\]:\d+$/);
      await v6.close();
    } finally {
      await runtime.close();
    }
  });
});
