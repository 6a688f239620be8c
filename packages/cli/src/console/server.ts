import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { AgentrtError, checkStoreId, ConfigError, verifyAuditEvents, type AgentRuntime, type RunRecord, type RunStatus } from '@agentrt/core';
import { Hono, type Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { z } from 'zod';
import { attachmentHeader, downloadName, MediaLookup, notInline } from './media.js';
import { consoleAssets, consoleShell } from './pages.js';
import { incidentStop, readRun, runExists, showable, showableEvents, standInSummary, summarizeRun } from './run-view.js';
import { allowedHosts, hostPort, newAccessToken, tokenMatches } from './security.js';

/** Options of `startConsole`. */
export interface ConsoleOptions {
  /** The runtime whose store the console shows and whose operations (resume, kill) it performs. */
  readonly runtime: AgentRuntime;
  /** Address to bind. Default `127.0.0.1`. A wildcard (`0.0.0.0`, `::`) is refused: the Host check needs a concrete address. */
  readonly host?: string;
  /** Port; 0 picks a free one. Default 7433. */
  readonly port?: number;
  /** The access token (default: 32 random bytes). */
  readonly token?: string;
  /** How often open streams poll the store for new events. Default 500 ms. */
  readonly pollMs?: number;
  /** Most server-sent-event streams open at once; more are refused with 503. Default 32. */
  readonly maxStreams?: number;
}

/** A running console. */
export interface ConsoleServer {
  /** The URL to open, with the access token (print it once; the browser then keeps the token in an HttpOnly cookie). */
  readonly url: string;
  /** `http://host:port` without the token. */
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** Runs this console is driving after an approval (they continue in this process). */
  readonly driving: number;
  /** Resolves when no approved run is being driven here any more. */
  idle(): Promise<void>;
  /** Stops listening and ends open streams. Runs still driven here go on until `runtime.close()` cancels them. */
  close(): Promise<void>;
}

const STATUSES = ['running', 'paused', 'completed', 'stopped', 'failed'] as const;
const TERMINAL = new Set<RunStatus>(['completed', 'stopped', 'failed']);
const MAX_BODY_BYTES = 16 * 1024;
const EVENTS_PER_MESSAGE = 500;
const HEARTBEAT_MS = 15_000;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const approveBody = z.strictObject({
  toolCallId: z.string().min(1).max(500),
  decision: z.enum(['approve', 'deny']),
  argsFingerprint: z.string().min(1).max(200),
  reason: z.string().max(2000).optional(),
});
const reasonBody = z.strictObject({ reason: z.string().max(500).optional() });
const emptyBody = z.strictObject({});

const apiError = (c: Context, status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 500 | 503, code: string, message: string) =>
  c.json({ error: { code, message } }, status);

/** Reads a JSON object body of at most `MAX_BODY_BYTES`, or returns an error response. */
async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<{ value: T } | { response: Response }> {
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) return { response: apiError(c, 413, 'body_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`) };
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = c.req.raw.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel().catch(() => undefined);
        return { response: apiError(c, 413, 'body_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`) };
      }
      chunks.push(value);
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text.trim() ? JSON.parse(text) : {};
  } catch {
    return { response: apiError(c, 400, 'body_invalid', 'the body is not JSON') };
  }
  const result = schema.safeParse(parsed);
  if (!result.success) return { response: apiError(c, 400, 'body_invalid', result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')) };
  return { value: result.data };
}

/** Every value the Cookie header gives `name` (at most 16 looked at). */
function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) values.push(pair.slice(at + 1).trim());
    if (values.length >= 16) break;
  }
  return values;
}

/** A `seq` to page after: a non-negative safe integer, else 0. */
const parseAfter = (value: string | undefined) => {
  const n = Number(value ?? 0);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};

const parseLimit = (value: string | undefined, fallback: number) => {
  const n = Number(value ?? fallback);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 500) : fallback;
};

/**
 * Starts the local web console over a runtime's store: runs list, run pages with the step
 * timeline and live updates (server-sent events), approvals, kills and the incident stop.
 *
 * Security: binds 127.0.0.1 by default; every request needs the access token (from the printed
 * URL, then an HttpOnly SameSite=Strict cookie, or an `Authorization: Bearer` header); the Host
 * header must name the bound address (DNS rebinding); state changes are JSON POSTs whose Origin
 * must be the console's own; GET never changes state; everything shown is redacted by the
 * runtime's redactor; pages load nothing from elsewhere (strict CSP, no CDN).
 *
 * @example
 * ```ts
 * const console = await startConsole({ runtime, port: 0 });
 * process.stdout.write(`open ${console.url}\n`);
 * ```
 */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const runtime = options.runtime;
  // `[::1]` as typed in a URL names the address `::1`.
  const host = (options.host ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  const wildcard = () => new ConfigError('host', 'bind a specific address (e.g. 127.0.0.1), not every interface: the console checks the Host header against it');
  if (host === '0.0.0.0' || host === '::' || host === '') throw wildcard();
  const requestedPort = options.port ?? 7433;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) throw new ConfigError('port', 'expected an integer from 0 to 65535');
  const token = options.token ?? newAccessToken();
  if (token.length < 16) throw new ConfigError('token', 'an access token needs at least 16 characters');
  const pollMs = options.pollMs ?? 500;
  const maxStreams = options.maxStreams ?? 32;
  const store = runtime.store;
  const redactor = runtime.config.redactor;
  const mediaLookup = new MediaLookup(store);
  const streams = new Set<SSEStreamingApi>();
  const background = new Set<Promise<unknown>>();
  const notices: { id: number; runId: string | undefined; message: string; kind: string }[] = [];
  let noticeId = 0;
  let closing = false;
  // Known once listening (port 0 picks one); requests cannot arrive before that.
  let port = requestedPort;
  let hosts = allowedHosts(host, port);
  let cookieName = `agentrt_console_${port}`;

  const notice = (runId: string | undefined, message: string, kind: 'ok' | 'error') => {
    notices.push({ id: ++noticeId, runId, message: redactor.text(message), kind });
    if (notices.length > 100) notices.splice(0, notices.length - 100);
  };
  const inBackground = (runId: string, work: () => Promise<unknown>) => {
    const task = work().catch((error: unknown) => notice(runId, `${AgentrtError.isInstance(error) ? `${error.code}: ` : ''}${(error as Error)?.message ?? String(error)}`, 'error'));
    background.add(task);
    void task.finally(() => background.delete(task));
  };

  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!c.res.headers.has(name)) c.res.headers.set(name, value);
  });

  // Gate: method, Host, token, then cross-site checks for state changes.
  app.use('*', async (c, next) => {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
      c.header('Allow', 'GET, HEAD, POST');
      return apiError(c, 405, 'method_not_allowed', `${method} is not allowed`);
    }
    // A HEAD of a live stream would hold a stream slot with nobody reading it.
    if (method === 'HEAD' && c.req.path.endsWith('/stream')) {
      c.header('Allow', 'GET');
      return apiError(c, 405, 'method_not_allowed', 'live streams answer GET only');
    }
    const hostHeader = (c.req.header('host') ?? '').toLowerCase();
    if (!hosts.has(hostHeader)) return apiError(c, 403, 'host_refused', 'the Host header does not name this console');
    const url = new URL(c.req.url);
    // An absolute-form request line (`GET http://other.example/ HTTP/1.1`) names its own
    // authority, which HTTP says wins over Host: it must name this console too.
    if (!hosts.has(url.host.toLowerCase())) return apiError(c, 403, 'host_refused', 'the request names another host');
    // Fetch metadata: a page of another origin — a page on another localhost port counts as the
    // same site, so the SameSite cookie rides along — may only navigate to the console's pages.
    // Its fetches, live streams, script and image loads and frames are refused before any work.
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      const navigation = c.req.header('sec-fetch-mode') === 'navigate' && c.req.header('sec-fetch-dest') === 'document' && (method === 'GET' || method === 'HEAD');
      if (!navigation) return apiError(c, 403, 'origin_refused', 'cross-site request refused');
    }
    const path = url.pathname;
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null) {
      if (method === 'GET' && !path.startsWith('/api/') && tokenMatches(queryToken, token)) {
        setCookie(c, cookieName, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
        url.searchParams.delete('token');
        // Relative, single-slash location: `//evil.example` must not become an open redirect.
        return c.redirect(`/${path.replace(/^\/+/, '')}${url.search}`, 303);
      }
      return unauthorized(c, path);
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const viaHeader = tokenMatches(bearer, token);
    // Cookies ignore ports: a page on another localhost port can plant a cookie of the same name
    // (a more specific Path is sent first). Any value of the name that matches counts.
    const viaCookie = !viaHeader && cookieValues(c.req.header('cookie'), cookieName).some((value) => tokenMatches(value, token));
    if (!viaHeader && !viaCookie) return unauthorized(c, path);
    if (method === 'POST') {
      const origin = c.req.header('origin');
      // A browser always sends Origin on a POST; a cookie-authenticated one without it is refused.
      if (viaCookie && origin === undefined) return apiError(c, 403, 'origin_refused', 'state-changing requests must come from the console page (no Origin header)');
      if (origin !== undefined && origin.toLowerCase() !== `http://${hostHeader}`) return apiError(c, 403, 'origin_refused', 'cross-site request refused');
      if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) return apiError(c, 415, 'content_type_refused', 'send application/json');
    }
    await next();
  });

  function unauthorized(c: Context, path: string): Response {
    if (path.startsWith('/api/')) return apiError(c, 401, 'unauthorized', 'open the URL `agentrt ui` printed (it carries the access token), or send Authorization: Bearer <token>');
    return c.html('<!doctype html><meta charset="utf-8"><title>agentrt console</title><h1>Unauthorized</h1><p>Open the URL that <code>agentrt ui</code> printed: it carries the access token.</p>', 401);
  }

  // A run id no store can hold (over MAX_STORE_ID_LENGTH, a lone surrogate) names no run: 404 on
  // every run route, before a store refuses it as config_invalid (a 500).
  const storableRunId = async (c: Context, next: () => Promise<void>) => {
    const runId = c.req.param('runId');
    if (runId !== undefined) {
      try {
        checkStoreId('runId', runId);
      } catch {
        return apiError(c, 404, 'run_not_found', `no run has that id (${runId.length} characters${runId.length > 1024 ? ', over the 1024 a store accepts' : ''})`);
      }
    }
    await next();
  };
  app.use('/api/runs/:runId', storableRunId);
  app.use('/api/runs/:runId/*', storableRunId);

  const onlyPost = (path: string) => app.on(['GET', 'HEAD'], path, (c) => {
    c.header('Allow', 'POST');
    return apiError(c, 405, 'method_not_allowed', 'this endpoint changes state: POST only');
  });

  app.get('/', (c) => c.html(consoleShell()));
  app.get('/runs/:runId', (c) => c.html(consoleShell()));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/assets/console.js', (c) => c.body(consoleAssets().js, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/console.css', (c) => c.body(consoleAssets().css, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  const runsQuery = (c: Context) => {
    const status = c.req.query('status');
    return { limit: parseLimit(c.req.query('limit'), 50), ...(status && (STATUSES as readonly string[]).includes(status) ? { status: status as RunStatus } : {}) };
  };
  const listView = async (query: { limit: number; status?: RunStatus }) => {
    const [runs, incident] = await Promise.all([runtime.listRuns(query), incidentStop(store)]);
    return { runs: runs.map((run) => summarizeRun(run, redactor)), incident: incident ? showable(redactor, { reason: incident.reason, at: incident.at }) : null };
  };

  app.get('/api/status', async (c) => {
    const incident = await incidentStop(store);
    return c.json({ incident: incident ? showable(redactor, { reason: incident.reason, at: incident.at }) : null });
  });
  app.get('/api/runs', async (c) => c.json(await listView(runsQuery(c))));

  app.get('/api/runs/stream', (c) => {
    const query = runsQuery(c);
    return sse(c, async (stream) => {
      let last = '';
      let beat = Date.now();
      while (!stream.aborted && !closing) {
        const text = JSON.stringify(await listView(query));
        if (text !== last) {
          last = text;
          await stream.writeSSE({ event: 'runs', data: text });
          beat = Date.now();
        } else if (Date.now() - beat > HEARTBEAT_MS) {
          await stream.write(': keep-alive\n\n');
          beat = Date.now();
        }
        await stream.sleep(Math.max(pollMs, 1000));
      }
    });
  });

  // A damaged run (its `getRun` is `state_corrupt`) answers what can be read — its listed record
  // (lost media parts marked) or a stand-in from its events — with `damaged` saying what is wrong.
  app.get('/api/runs/:runId', async (c) => {
    const runId = c.req.param('runId');
    const read = await readRun(store, runId, redactor);
    if (!read) return apiError(c, 404, 'run_not_found', `run ${redactor.text(runId)} does not exist`);
    const incident = await incidentStop(store);
    // verifyAudit reads the record again: a damaged run's audit is checked from its events alone,
    // which also date a stand-in for a record that cannot be read.
    const damagedEvents = read.damaged ? await store.listEvents(runId) : undefined;
    const audit = damagedEvents ? verifyAuditEvents(damagedEvents) : await runtime.verifyAudit(runId);
    return c.json({
      run: read.record ? summarizeRun(read.record, redactor, { withInput: true, withOutput: true }) : standInSummary(runId, damagedEvents ?? [], redactor),
      events: [],
      audit: showable(redactor, audit),
      limits: { maxSteps: runtime.config.limits.maxSteps, maxToolCalls: runtime.config.limits.maxToolCalls },
      incident: incident ? showable(redactor, { reason: incident.reason, at: incident.at }) : null,
      generatedAt: new Date().toISOString(),
      ...(read.damaged ? { damaged: showable(redactor, read.damaged) } : {}),
    });
  });

  app.get('/api/runs/:runId/events', async (c) => {
    const runId = c.req.param('runId');
    if (!(await runExists(store, runId))) return apiError(c, 404, 'run_not_found', `run ${redactor.text(runId)} does not exist`);
    const after = parseAfter(c.req.query('after'));
    return c.json({ events: await showableEvents(store, redactor, runId, { afterSeq: after, limit: parseLimit(c.req.query('limit'), 500) }) });
  });

  app.get('/api/runs/:runId/stream', async (c) => {
    const runId = c.req.param('runId');
    if (!(await runExists(store, runId))) return apiError(c, 404, 'run_not_found', `run ${redactor.text(runId)} does not exist`);
    const resumeFrom = parseAfter(c.req.header('last-event-id') ?? c.req.query('after'));
    return sse(c, async (stream) => {
      let after = resumeFrom;
      let lastKey = '';
      let lastStatus: RunStatus | undefined;
      let lastIncident = '';
      let seenNotice = noticeId;
      let beat = Date.now();
      while (!stream.aborted && !closing) {
        // The record first: when it is terminal, every event is already stored (finishRun writes both at once).
        let record: RunRecord | undefined;
        try {
          record = await store.getRun(runId);
        } catch (error) {
          if (!AgentrtError.isInstance(error) || error.code !== 'state_corrupt') throw error;
          await damagedStream(stream, runId, after);
          break;
        }
        if (!record) {
          await stream.writeSSE({ event: 'notice', data: JSON.stringify({ message: `run ${redactor.text(runId)} disappeared`, kind: 'error' }) });
          break;
        }
        const events = await showableEvents(store, redactor, runId, { afterSeq: after, limit: EVENTS_PER_MESSAGE });
        if (events.length) {
          after = events.at(-1)!.seq;
          await stream.writeSSE({ event: 'events', data: JSON.stringify(events), id: String(after) });
          beat = Date.now();
        }
        const key = `${record.updatedAt}|${record.status}|${record.lastEventSeq}`;
        if (key !== lastKey) {
          lastKey = key;
          // The audit is re-verified when the status changes (not every step: it reads the whole log).
          const audit = lastStatus !== undefined && record.status !== lastStatus ? showable(redactor, await runtime.verifyAudit(runId)) : undefined;
          lastStatus = record.status;
          await stream.writeSSE({ event: 'run', data: JSON.stringify({ run: summarizeRun(record, redactor, { withOutput: true }), ...(audit ? { audit } : {}) }) });
          beat = Date.now();
        }
        const incident = await incidentStop(store);
        const incidentText = JSON.stringify({ incident: incident ? showable(redactor, { reason: incident.reason, at: incident.at }) : null });
        if (incidentText !== lastIncident) {
          lastIncident = incidentText;
          await stream.writeSSE({ event: 'incident', data: incidentText });
        }
        for (const item of notices) {
          if (item.id <= seenNotice) continue;
          seenNotice = item.id;
          if (item.runId === undefined || item.runId === runId) await stream.writeSSE({ event: 'notice', data: JSON.stringify({ message: item.message, kind: item.kind }) });
        }
        // A full page, or one cut short by size: more may be waiting, fetch the next at once.
        const more = events.length === EVENTS_PER_MESSAGE || (events.length > 0 && (await store.listEvents(runId, { afterSeq: after, limit: 1 })).length > 0);
        if (TERMINAL.has(record.status) && !more) {
          await stream.writeSSE({ event: 'end', data: '{}' });
          break;
        }
        if (more) continue; // catching up: next page at once
        if (Date.now() - beat > HEARTBEAT_MS) {
          await stream.write(': keep-alive\n\n');
          beat = Date.now();
        }
        await stream.sleep(pollMs);
      }
    });
  });

  /**
   * The rest of a damaged run's stream: its events after `after`, its record as `readRun` gives it
   * once, a notice, and the end — the damaged record is not re-read every poll (the listing reads every run).
   */
  async function damagedStream(stream: SSEStreamingApi, runId: string, after: number): Promise<void> {
    for (;;) {
      const events = await showableEvents(store, redactor, runId, { afterSeq: after, limit: EVENTS_PER_MESSAGE });
      if (!events.length) break;
      after = events.at(-1)!.seq;
      await stream.writeSSE({ event: 'events', data: JSON.stringify(events), id: String(after) });
    }
    const read = await readRun(store, runId, redactor);
    if (read) {
      const run = read.record ? summarizeRun(read.record, redactor, { withOutput: true }) : standInSummary(runId, await store.listEvents(runId), redactor);
      await stream.writeSSE({ event: 'run', data: JSON.stringify({ run, ...(read.damaged ? { damaged: showable(redactor, read.damaged) } : {}) }) });
    }
    await stream.writeSSE({ event: 'notice', data: JSON.stringify({ message: 'this run\'s stored state is damaged: live updates stopped (reload the page to see changes)', kind: 'error' }) });
    await stream.writeSSE({ event: 'end', data: '{}' });
  }

  // The bytes of an image or file part of a run, found by the sha256 its events record. Images are
  // served only as what their bytes are (a raster type the browser decodes: never SVG, HTML or a
  // declared type); everything else, and any part asked for with `?download=1`, is an attachment
  // of type application/octet-stream. Both answers are sandboxed by their own CSP.
  app.get('/api/runs/:runId/media/:sha256', async (c) => {
    const runId = c.req.param('runId');
    const sha256 = c.req.param('sha256');
    if (!/^[0-9a-f]{64}$/.test(sha256)) return apiError(c, 404, 'media_not_found', 'no such media part');
    const step = c.req.query('step') ?? 'input';
    // A plain decimal index: Number() also took '', '-0', '1e0', '0x0' and ' 1' for step 0 or 1.
    const source = step === 'input' ? 'input' : /^(?:0|[1-9][0-9]{0,15})$/.test(step) ? Number(step) : Number.NaN;
    if (source !== 'input' && !Number.isSafeInteger(source)) return apiError(c, 400, 'query_invalid', 'step is a step index (decimal digits) or `input`');
    if (!(await runExists(store, runId))) return apiError(c, 404, 'run_not_found', `run ${redactor.text(runId)} does not exist`);
    let media;
    try {
      media = await mediaLookup.find(runId, sha256, source);
    } catch (error) {
      // A damaged run: the part's bytes are lost or its step cannot be read.
      if (AgentrtError.isInstance(error) && error.code === 'media_missing') return apiError(c, 404, 'media_missing', redactor.text(error.message));
      throw error;
    }
    if (!media) return apiError(c, 404, 'media_not_found', 'that part is not in this run (a url part has no bytes here)');
    const headers: Record<string, string> = {
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=3600',
      'Content-Length': String(media.bytes.byteLength),
    };
    const why = notInline(media);
    if (c.req.query('download') === undefined && why === undefined) {
      return c.body(new Uint8Array(media.bytes), 200, { ...headers, 'Content-Type': media.sniffed!, 'Content-Disposition': 'inline' });
    }
    if (c.req.query('download') === undefined) return apiError(c, 415, 'media_not_shown', `not shown inline: ${why}; download it with ?download=1`);
    return c.body(new Uint8Array(media.bytes), 200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Disposition': attachmentHeader(redactor.text(downloadName(media, sha256))) });
  });

  onlyPost('/api/runs/:runId/approve');
  app.post('/api/runs/:runId/approve', async (c) => {
    const body = await readJson(c, approveBody);
    if ('response' in body) return body.response;
    const runId = c.req.param('runId');
    const read = await readRun(store, runId, redactor);
    if (!read) return apiError(c, 404, 'run_not_found', `run ${redactor.text(runId)} does not exist`);
    // A resume reads the whole state: a damaged run is refused here, not by a background failure.
    if (read.damaged) return apiError(c, 409, 'run_damaged', `the run's stored state is damaged (${read.damaged.message}): it cannot be resumed; kill it instead`);
    const record = read.record;
    if (record.status !== 'paused') return apiError(c, 409, 'run_not_paused', `run is ${record.status}, not awaiting approval`);
    const pending = (record.result?.pendingApprovals ?? []).find((item) => item.toolCallId === body.value.toolCallId);
    if (!pending) return apiError(c, 409, 'approval_not_pending', 'that tool call is not awaiting approval');
    if (pending.argsFingerprint !== body.value.argsFingerprint) return apiError(c, 409, 'approval_args_changed', 'the pending arguments are not the ones shown: reload and decide again');
    const { decision, reason } = body.value;
    inBackground(runId, async () => {
      const result = await runtime.resume(runId, { approvals: { [pending.toolCallId]: { decision, ...(reason ? { reason } : {}) } }, waitForLeaseMs: 5_000 });
      notice(runId, `run ${runId} ${result.status === 'paused' ? 'paused again' : 'finished'}: ${result.stopReason}`, 'ok');
    });
    return c.json({ accepted: true, message: `${decision === 'approve' ? 'Approved' : 'Denied'} ${pending.tool}: the run continues` }, 202);
  });

  onlyPost('/api/runs/:runId/kill');
  app.post('/api/runs/:runId/kill', async (c) => {
    const body = await readJson(c, reasonBody);
    if ('response' in body) return body.response;
    const runId = c.req.param('runId');
    const read = await readRun(store, runId, redactor);
    if (!read) return apiError(c, 404, 'run_not_found', `run ${redactor.text(runId)} does not exist`);
    // A damaged run with a listed record is killed like any other (the runtime kills it from that record).
    const record = read.record;
    if (!record) return apiError(c, 409, 'run_damaged', `the run's record cannot be read (${read.damaged?.message ?? 'unknown'}): there is no status to stop`);
    // A finished run has nothing to stop: `kill` would only leave a kill flag behind for it (one
    // that would refuse a later resume of a retryable failure) while the page said "Kill requested".
    if (TERMINAL.has(record.status)) return apiError(c, 409, 'run_not_active', `run is ${record.status}: it has already stopped, there is nothing to kill`);
    const reason = body.value.reason?.trim() || 'killed from the console';
    await runtime.kill(runId, reason);
    return c.json({ ok: true, message: `Kill requested: ${redactor.text(reason)}` });
  });

  onlyPost('/api/kill-all');
  app.post('/api/kill-all', async (c) => {
    const body = await readJson(c, reasonBody);
    if ('response' in body) return body.response;
    const reason = body.value.reason?.trim() || 'incident stop from the console';
    await runtime.killAll(reason);
    return c.json({ ok: true, message: `Incident stop: every run stops, new runs are refused until cleared (${redactor.text(reason)})` });
  });

  onlyPost('/api/clear-kill');
  app.post('/api/clear-kill', async (c) => {
    const body = await readJson(c, emptyBody);
    if ('response' in body) return body.response;
    await runtime.clearKill();
    return c.json({ ok: true, message: 'Incident stop cleared: new runs are accepted' });
  });

  app.notFound((c) => apiError(c, 404, 'not_found', 'no such page'));
  app.onError((error, c) => {
    const code = AgentrtError.isInstance(error) ? error.code : 'internal_error';
    return apiError(c, code === 'run_not_found' ? 404 : 500, code, redactor.text(error.message));
  });

  function sse(c: Context, loop: (stream: SSEStreamingApi) => Promise<void>): Response {
    if (streams.size >= maxStreams) return apiError(c, 503, 'too_many_streams', `at most ${maxStreams} live views at once`);
    return streamSSE(c, async (stream) => {
      streams.add(stream);
      try {
        await stream.writeSSE({ event: 'hello', data: '{}', retry: 2000 });
        await loop(stream);
      } catch (error) {
        if (!stream.aborted) await stream.writeSSE({ event: 'notice', data: JSON.stringify({ message: redactor.text((error as Error)?.message ?? String(error)), kind: 'error' }) }).catch(() => undefined);
      } finally {
        streams.delete(stream);
      }
    });
  }

  const server: ServerType = await new Promise((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: requestedPort, overrideGlobalObjects: false }, () => resolve(started));
    started.once('error', (error: NodeJS.ErrnoException) => {
      reject(new AgentrtError('console_listen_failed', `cannot listen on ${hostPort(host, requestedPort)}: ${error.code === 'EADDRINUSE' ? 'the port is in use (pass --port 0 for any free port)' : error.message}`, { cause: error }));
    });
  });
  const bound = server.address() as AddressInfo;
  // `0`, `0x0`, `::0`, `::ffff:0.0.0.0`… are the wildcard too, spelled otherwise: judge what was bound.
  if (bound.address === '0.0.0.0' || bound.address === '::' || bound.address === '::ffff:0.0.0.0') {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw wildcard();
  }
  port = bound.port;
  hosts = allowedHosts(host, port);
  cookieName = `agentrt_console_${port}`;
  const origin = `http://${hostPort(host, port)}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    get driving() {
      return background.size;
    },
    async idle() {
      while (background.size) await Promise.allSettled([...background]);
    },
    async close() {
      closing = true;
      for (const stream of streams) stream.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}

