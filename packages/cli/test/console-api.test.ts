import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { createRuntime, MemoryStore } from '@agentrt/core';
import { ScriptedModel } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole } from '../src/index.js';
import { freshDb, run, startUi, waitFor, type UiProcess } from './__fixtures__/cli-harness.js';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One HTTP request with full control of the headers (fetch would not let a test forge Host). */
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

/** Reads a server-sent-event stream until `until` says stop (or the server ends it); returns the parsed messages. */
function readStream(origin: string, path: string, headers: Record<string, string>, until: (messages: { event: string; data: string; id?: string }[]) => boolean, timeoutMs = 20_000): Promise<{ event: string; data: string; id?: string }[]> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const messages: { event: string; data: string; id?: string }[] = [];
    let buffer = '';
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`stream ${path} timed out after ${messages.length} message(s)`));
    }, timeoutMs);
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers }, (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        reject(new Error(`stream ${path} answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve(messages);
      };
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: { event: string; data: string; id?: string } = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) message.data += line.slice(6);
            else if (line.startsWith('id: ')) message.id = line.slice(4);
          }
          if (block.startsWith(':')) continue;
          messages.push(message);
          if (until(messages)) return finish();
        }
      });
      res.on('end', finish);
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

const CANARY = 'sk-agentrt-CANARY';

describe('agentrt ui: access and cross-site protection', () => {
  let db: string;
  let ui: UiProcess;
  let host: string;
  let cookie: string;
  let bearer: Record<string, string>;
  let page: Record<string, string>;
  let post: Record<string, string>;

  beforeAll(async () => {
    db = freshDb();
    expect((await run(db, 'run', 'add', 'two', 'numbers', '--run-id', 'api-add')).code).toBe(0);
    expect((await run(db, 'run', 'leak', 'sk-agentrt-CANARY-fedcba9876543210', '--run-id', 'api-leak')).code).toBe(0);
    expect((await run(db, 'run', 'secret', '--run-id', 'api-secret')).code).toBe(2);
    expect((await run(db, 'run', 'pay', 'the', 'bill', '--run-id', 'api-pay')).code).toBe(2);
    ui = await startUi(db);
    host = new URL(ui.origin).host;
    const entry = await send(ui.origin, `/?token=${ui.token}`, { headers: { host } });
    cookie = String(entry.headers['set-cookie']?.[0]).split(';')[0]!;
    bearer = { host, authorization: `Bearer ${ui.token}` };
    page = { host, cookie };
    post = { host, cookie, origin: ui.origin, 'content-type': 'application/json' };
  }, 90_000);
  afterAll(async () => {
    await ui?.stop();
  });

  it('refuses every request without the token: pages, API, live streams and assets', async () => {
    for (const path of ['/', '/runs/api-add', '/api/runs', '/api/runs/api-add', '/api/runs/api-add/events', '/api/runs/api-add/stream', '/api/runs/stream', '/api/status', '/assets/console.js']) {
      const reply = await send(ui.origin, path, { headers: { host } });
      expect(reply.status, path).toBe(401);
      expect(reply.body).not.toContain('api-add');
    }
    expect((await send(ui.origin, '/api/runs', { headers: { host, authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    expect((await send(ui.origin, '/api/runs', { headers: { host, cookie: `agentrt_console_${ui.port}=nope` } })).status).toBe(401);
    expect((await send(ui.origin, `/?token=${ui.token.slice(0, -1)}x`, { headers: { host } })).status).toBe(401);
    expect((await send(ui.origin, '/api/kill-all', { method: 'POST', headers: { host, origin: ui.origin, 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect(JSON.parse((await send(ui.origin, '/api/status', { headers: page })).body)).toEqual({ incident: null });
  });

  it('takes the token from the printed URL once, keeps it in an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const entry = await send(ui.origin, `/runs/api-add?token=${ui.token}`, { headers: { host } });
    expect(entry.status).toBe(303);
    expect(entry.headers.location).toBe('/runs/api-add');
    expect(entry.headers['set-cookie']?.[0]).toMatch(new RegExp(`^agentrt_console_${ui.port}=[^;]+; Path=/; HttpOnly; SameSite=Strict$`));
    expect((await send(ui.origin, '/runs/api-add', { headers: page })).status).toBe(200);
    expect((await send(ui.origin, '/api/runs', { headers: bearer })).status).toBe(200);
    // The token is not accepted in API URLs (they end up in logs): only pages take it, once.
    expect((await send(ui.origin, `/api/runs?token=${ui.token}`, { headers: { host } })).status).toBe(401);
    // A path that looks protocol-relative must not become a redirect to another site.
    const sneaky = await send(ui.origin, `//evil.example/x?token=${ui.token}`, { headers: { host } });
    expect(sneaky.headers.location).toBe('/evil.example/x');
  });

  it('sends a strict CSP, no framing and no referrer on every response, and loads nothing from elsewhere', async () => {
    for (const reply of [await send(ui.origin, '/', { headers: page }), await send(ui.origin, '/', { headers: { host } }), await send(ui.origin, '/nope', { headers: page }), await send(ui.origin, '/api/runs', { headers: page })]) {
      expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
      expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(reply.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(reply.headers['x-frame-options']).toBe('DENY');
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
    }
    const shell = (await send(ui.origin, '/', { headers: page })).body;
    expect(shell).not.toMatch(/<script>|<style>|https?:\/\//);
    const script = (await send(ui.origin, '/assets/console.js', { headers: page })).body;
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|https?:\/\//);
  });

  it('refuses a Host header that does not name the bound address (DNS rebinding)', async () => {
    for (const forged of [`evil.example:${ui.port}`, 'evil.example', `127.0.0.1:${ui.port + 1}`, `127.0.0.1.nip.io:${ui.port}`]) {
      const reply = await send(ui.origin, '/api/runs', { headers: { ...bearer, host: forged } });
      expect(reply.status, forged).toBe(403);
    }
    // An empty Host (node's client would fill one in, so write the request by hand).
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(ui.port, '127.0.0.1', () => socket.write(`GET /api/runs HTTP/1.1\r\nHost: \r\nAuthorization: Bearer ${ui.token}\r\nConnection: close\r\n\r\n`));
      let data = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk)).on('end', () => resolve(data)).on('error', reject);
    });
    expect(raw.split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect((await send(ui.origin, '/api/runs', { headers: { ...bearer, host: `localhost:${ui.port}` } })).status).toBe(200);
  });

  it('changes state only by same-origin JSON POST: GET, other methods, cross-site and form posts are refused', async () => {
    const refused: [string, Reply][] = [
      ['GET', await send(ui.origin, '/api/kill-all', { headers: page })],
      ['PUT', await send(ui.origin, '/api/kill-all', { method: 'PUT', headers: post, body: '{}' })],
      ['DELETE', await send(ui.origin, '/api/runs/api-pay', { method: 'DELETE', headers: post })],
      ['HEAD of a stream', await send(ui.origin, '/api/runs/stream', { method: 'HEAD', headers: page })],
      ['foreign Origin', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: { ...post, origin: 'http://evil.example' }, body: '{}' })],
      ['Origin on another port', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: { ...post, origin: `http://127.0.0.1:${ui.port + 1}` }, body: '{}' })],
      ['cookie without Origin', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: { host, cookie, 'content-type': 'application/json' }, body: '{}' })],
      ['cross-site fetch', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: { ...post, 'sec-fetch-site': 'cross-site' }, body: '{}' })],
      ['form post', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: { ...post, 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=x' })],
      ['text/plain', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: { ...post, 'content-type': 'text/plain' }, body: '{}' })],
      ['huge body', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: post, body: JSON.stringify({ reason: 'x'.repeat(40_000) }) })],
      ['not JSON', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: post, body: '{reason' })],
      ['unknown field', await send(ui.origin, '/api/kill-all', { method: 'POST', headers: post, body: '{"reason":"x","__proto__":{"admin":true}}' })],
    ];
    const expected: Record<string, number> = { GET: 405, PUT: 405, DELETE: 405, 'HEAD of a stream': 405, 'form post': 415, 'text/plain': 415, 'huge body': 413, 'not JSON': 400, 'unknown field': 400 };
    for (const [name, reply] of refused) expect(reply.status, name).toBe(expected[name] ?? 403);
    expect(JSON.parse((await send(ui.origin, '/api/status', { headers: page })).body)).toEqual({ incident: null });
    expect(JSON.parse((await send(ui.origin, '/api/runs/api-pay', { headers: page })).body).run.status).toBe('paused');

    const stop = await send(ui.origin, '/api/kill-all', { method: 'POST', headers: post, body: JSON.stringify({ reason: 'drill' }) });
    expect(stop.status).toBe(200);
    expect(JSON.parse((await send(ui.origin, '/api/status', { headers: page })).body).incident).toMatchObject({ reason: 'drill' });
    // killAll finishes paused runs as killed.
    expect(JSON.parse((await send(ui.origin, '/api/runs/api-pay', { headers: page })).body).run).toMatchObject({ status: 'stopped', stopReason: 'killed', stopDetail: 'drill' });
    // A script with the bearer token (no browser, no Origin) may act too.
    expect((await send(ui.origin, '/api/clear-kill', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
    expect(JSON.parse((await send(ui.origin, '/api/status', { headers: page })).body)).toEqual({ incident: null });
  });

  it('approves only a pending call, only for the args shown (fingerprint), then drives the run to its end', async () => {
    const db2 = db;
    expect((await run(db2, 'run', 'pay', 'again', '--run-id', 'api-pay2')).code).toBe(2);
    const view = JSON.parse((await send(ui.origin, '/api/runs/api-pay2', { headers: page })).body);
    const pending = view.run.pendingApprovals[0];
    expect(pending).toMatchObject({ toolCallId: 'pay-0', tool: 'pay', args: { cents: 500 } });
    expect(pending.argsFingerprint).toMatch(/^[0-9a-f]{64}$/);
    const approve = (runId: string, body: object) => send(ui.origin, `/api/runs/${runId}/approve`, { method: 'POST', headers: post, body: JSON.stringify(body) });
    expect((await approve('api-pay2', { toolCallId: 'pay-0', decision: 'approve', argsFingerprint: '0'.repeat(64) })).status).toBe(409);
    expect((await approve('api-pay2', { toolCallId: 'pay-9', decision: 'approve', argsFingerprint: pending.argsFingerprint })).status).toBe(409);
    expect((await approve('api-add', { toolCallId: 'add-0', decision: 'approve', argsFingerprint: pending.argsFingerprint })).status).toBe(409);
    expect((await approve('no-such-run', { toolCallId: 'pay-0', decision: 'approve', argsFingerprint: pending.argsFingerprint })).status).toBe(404);
    expect((await approve('api-pay2', { toolCallId: 'pay-0', decision: 'maybe', argsFingerprint: pending.argsFingerprint })).status).toBe(400);
    const ok = await approve('api-pay2', { toolCallId: 'pay-0', decision: 'approve', argsFingerprint: pending.argsFingerprint, reason: 'fine' });
    expect(ok.status).toBe(202);
    const done = await waitFor(async () => {
      const current = JSON.parse((await send(ui.origin, '/api/runs/api-pay2', { headers: page })).body);
      return current.run.status === 'completed' ? current : undefined;
    }, 'the approved run to finish');
    expect(done.run.output).toBe('Done: paid 500.');
    expect(done.audit).toMatchObject({ ok: true });
  });

  it('streams a run live: every event once, in order, then ends; Last-Event-ID resumes after it', async () => {
    const messages = await readStream(ui.origin, '/api/runs/api-add/stream', page, (all) => all.some((m) => m.event === 'end'));
    const events = messages.filter((m) => m.event === 'events').flatMap((m) => JSON.parse(m.data) as { seq: number }[]);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(messages.find((m) => m.event === 'run')?.data).toContain('"status":"completed"');
    expect(messages.at(-1)?.event).toBe('end');
    const resumed = await readStream(ui.origin, '/api/runs/api-add/stream', { ...page, 'last-event-id': '5' }, (all) => all.some((m) => m.event === 'end'));
    expect((JSON.parse(resumed.find((m) => m.event === 'events')!.data) as { seq: number }[])[0]!.seq).toBe(6);
  });

  it('never serves a secret: run input, tool results and pending approval args are redacted everywhere', async () => {
    const bodies: string[] = [];
    bodies.push((await send(ui.origin, '/api/runs', { headers: page })).body);
    for (const runId of ['api-leak', 'api-secret']) {
      bodies.push((await send(ui.origin, `/api/runs/${runId}`, { headers: page })).body);
      bodies.push((await send(ui.origin, `/api/runs/${runId}/events`, { headers: page })).body);
      bodies.push((await send(ui.origin, `/runs/${runId}`, { headers: page })).body);
      const streamed = await readStream(ui.origin, `/api/runs/${runId}/stream`, page, (all) => all.some((m) => m.event === 'end') || all.some((m) => m.event === 'run' && m.data.includes('"paused"')));
      bodies.push(streamed.map((m) => m.data).join('\n'));
    }
    const all = bodies.join('\n');
    expect(all).toContain('api-leak');
    expect(all).toContain('"tool":"send"');
    expect(all).not.toContain(CANARY);
    expect(all).toContain('[REDACTED]');
  });

  it('answers 404 for unknown runs, streams and pages', async () => {
    expect((await send(ui.origin, '/api/runs/nope', { headers: page })).status).toBe(404);
    expect((await send(ui.origin, '/api/runs/nope/stream', { headers: page })).status).toBe(404);
    expect((await send(ui.origin, '/nowhere', { headers: page })).status).toBe(404);
  });

  it('stops on SIGTERM with exit code 0 (last: it ends the console)', async () => {
    const finished = await ui.stop();
    expect(finished.code).toBe(0);
    expect(finished.err).toBe('');
  });
});

describe('startConsole (in process)', () => {
  const token = 'a-test-token-that-is-long-enough';
  const runtime = () => createRuntime({ model: new ScriptedModel([ScriptedModel.answer('hi')]), store: new MemoryStore() });

  it('bounds the open live streams and frees a slot when a client goes away', async () => {
    const rt = runtime();
    await rt.run({ input: 'hello', runId: 'one' });
    const server = await startConsole({ runtime: rt, port: 0, token, maxStreams: 2, pollMs: 50 });
    try {
      const headers = { host: new URL(server.origin).host, authorization: `Bearer ${token}` };
      const url = new URL(server.origin);
      const open = () => new Promise<{ status: number; close: () => void }>((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path: '/api/runs/stream', headers }, (res) => resolve({ status: res.statusCode!, close: () => req.destroy() }));
        req.on('error', reject);
        req.end();
      });
      const first = await open();
      const second = await open();
      expect([first.status, second.status]).toEqual([200, 200]);
      const third = await open();
      expect(third.status).toBe(503);
      third.close();
      first.close();
      const again = await waitFor(async () => {
        const attempt = await open();
        if (attempt.status === 200) return attempt;
        attempt.close();
        return undefined;
      }, 'a stream slot to free up after the client left');
      again.close();
      second.close();
    } finally {
      await server.close();
      await rt.close();
    }
  });

  it('refuses a wildcard bind address, a bad port, a short token, and reports a port in use', async () => {
    const rt = runtime();
    try {
      await expect(startConsole({ runtime: rt, host: '0.0.0.0' })).rejects.toMatchObject({ code: 'config_invalid' });
      await expect(startConsole({ runtime: rt, port: 70_000 })).rejects.toMatchObject({ code: 'config_invalid' });
      await expect(startConsole({ runtime: rt, port: 0, token: 'short' })).rejects.toMatchObject({ code: 'config_invalid' });
      const first = await startConsole({ runtime: rt, port: 0 });
      try {
        await expect(startConsole({ runtime: rt, port: first.port })).rejects.toMatchObject({ code: 'console_listen_failed' });
        expect(first.url).toBe(`${first.origin}/?token=${first.token}`);
        expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      } finally {
        await first.close();
      }
    } finally {
      await rt.close();
    }
  });
});
