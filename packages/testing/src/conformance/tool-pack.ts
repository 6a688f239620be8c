import { spawn } from 'node:child_process';
import { lookup as dnsLookup } from 'node:dns/promises';
import { promises as fsPromises, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AgentrtError, createRuntime, type Tool, type ToolContext, type ToolMessage } from '@agentrt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_RESOLVER_ANSWERS, PUBLIC_URLS } from '../corpora/addresses.js';
import { HEADER_VALUE_INJECTIONS, HOSTILE_HTTP_NAMES, HOSTILE_HTTP_PROTOCOL_ROUTES, REFUSED_REQUEST_HEADERS, startHostileHttpServer, type HostileHttpServer } from '../corpora/hostile-http.js';
import { createPathTraversalLayout, LEGITIMATE_NAMES } from '../corpora/path-traversal.js';
import { SECRET_CANARIES } from '../corpora/secrets.js';
import { SSRF_URLS } from '../corpora/ssrf.js';
import { ScriptedModel } from '../scripted-model.js';

/** Sample calls for one tool of the pack. */
export interface ToolSamples {
  /** Arguments the tool accepts and completes with. */
  readonly valid: Readonly<Record<string, unknown>>;
  /** Arguments its schema must reject before `execute` runs. */
  readonly invalid: readonly unknown[];
  /** Arguments that make it fail in a known way: it must throw an `AgentrtError` with a code. */
  readonly failing?: Readonly<Record<string, unknown>>;
}

/** Options of `describeToolPack`. */
export interface ToolPackSuiteOptions {
  readonly name: string;
  /** Fresh tools for each test (e.g. a pack configured on a temp directory). */
  tools(): Tool[] | Promise<Tool[]>;
  /** Samples per tool name; every tool of the pack needs one. */
  readonly samples: Readonly<Record<string, ToolSamples>>;
}

/** The samples of a tool, own entries only (a tool named `constructor` has no inherited samples). */
const sampleOf = (options: ToolPackSuiteOptions, name: string): ToolSamples => {
  if (!Object.hasOwn(options.samples, name)) throw new Error(`describeToolPack: no samples for tool ${JSON.stringify(name)}`);
  return options.samples[name]!;
};

/**
 * Names a tool most often leaks a credential from (besides the suite's own AGENTRT_CANARY_i): the
 * suite sets each to a canary for the secret test and restores it afterwards.
 */
const LEAKED_ENV_NAMES = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'GH_TOKEN', 'TAVILY_API_KEY', 'SLACK_BOT_TOKEN', 'GOOGLE_API_KEY', 'DATABASE_URL', 'API_KEY', 'TOKEN', 'SECRET', 'PASSWORD'];

/**
 * Why `value` is not plain JSON (what a run records and the model is shown), or undefined: a
 * value `JSON.stringify` drops or changes silently (a Map or Set shown as `{}`, NaN or Infinity
 * as `null`, a Date or class instance, a function or symbol), or cannot show at all (BigInt, a
 * cycle). Strings, numbers, booleans, null, arrays and plain objects of them are JSON.
 */
function notJson(value: unknown, path = '$', seen = new Set<object>()): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${value}`;
  if (typeof value !== 'object') return `${path} is a ${typeof value}`;
  if (seen.has(value)) return `${path} is a cycle`;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return `${path} is a ${(value as { constructor?: { name?: string } }).constructor?.name ?? 'non-plain object'}`;
  seen.add(value);
  try {
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined && !Array.isArray(value)) continue;
      const problem = notJson(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, seen);
      if (problem) return problem;
    }
  } finally {
    seen.delete(value);
  }
  return undefined;
}

const ctx = (signal: AbortSignal = new AbortController().signal): ToolContext => ({ runId: 'conformance', stepIndex: 0, toolCallId: 'call_1', idempotencyKey: 'conformance:call_1', signal });

/**
 * The tool conformance suite for tool packs (first- and third-party): the schema the model
 * sees is a JSON-schema object; invalid arguments are rejected before `execute`; a known
 * failure is a typed `AgentrtError`; an aborted signal is honoured promptly, also one that aborts
 * while the call runs (and then sooner than an unaborted call, when that takes a second or more); the declared
 * timeout is finite; the valid sample's arguments are left unchanged and its output is plain JSON (no Map,
 * Set, Date, NaN, BigInt, function or cycle); and no secret from the environment (canaries under
 * `AGENTRT_CANARY_i` and under names like `OPENAI_API_KEY`, `GITHUB_TOKEN`) leaks into output or error.
 */
export function describeToolPack(options: ToolPackSuiteOptions): void {
  describe(`tool pack conformance: ${options.name}`, () => {
    it('has samples for every tool, unique valid names, finite timeouts and declared side effects', async () => {
      const tools = await options.tools();
      expect(tools.length).toBeGreaterThan(0);
      expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
      for (const tool of tools) {
        expect(Object.hasOwn(options.samples, tool.name), `samples for ${tool.name}`).toBe(true);
        expect(tool.name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        expect(Number.isFinite(tool.timeoutMs) && tool.timeoutMs > 0 && tool.timeoutMs <= 300_000).toBe(true);
        expect(['none', 'idempotent', 'non-idempotent']).toContain(tool.sideEffects);
      }
    });

    it('describes each tool to the model with a JSON-schema object', async () => {
      for (const tool of await options.tools()) {
        const schema = tool.spec.inputSchema as { type?: unknown; properties?: unknown; $schema?: unknown };
        expect(schema.type, tool.name).toBe('object');
        expect(typeof schema.properties === 'object' || schema.properties === undefined).toBe(true);
        expect(schema.$schema).toBeUndefined();
        expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
        expect(tool.spec.description.length).toBeGreaterThan(10);
      }
    });

    it('accepts its valid sample and rejects invalid arguments before execute (through a run)', async () => {
      for (const tool of await options.tools()) {
        const samples = sampleOf(options, tool.name);
        expect(tool.input.safeParse(samples.valid).success, `${tool.name} valid sample`).toBe(true);
        for (const args of samples.invalid) expect(tool.input.safeParse(args).success, `${tool.name} should reject ${JSON.stringify(args)}`).toBe(false);
        const model = new ScriptedModel([...samples.invalid.map((args) => ScriptedModel.call(tool.name, args)), ScriptedModel.answer('done')]);
        await createRuntime({ model, tools: [tool], loopDetection: false, limits: { maxSteps: samples.invalid.length + 1, maxToolCalls: 100 } }).run('conformance');
        for (const request of model.requests.slice(1)) expect((request.messages.at(-1) as ToolMessage).code).toBe('tool_args_invalid');
      }
    });

    it('completes its valid sample and leaks no environment secret into the output, nor into the error of its failing sample', async () => {
      const saved = { ...process.env };
      SECRET_CANARIES.forEach((secret, i) => (process.env[`AGENTRT_CANARY_${i}`] = secret));
      // Also under the names tools actually read credentials from (a debug line quoting OPENAI_API_KEY).
      LEAKED_ENV_NAMES.forEach((name, i) => (process.env[name] = SECRET_CANARIES[i % SECRET_CANARIES.length]));
      try {
        for (const tool of await options.tools()) {
          const args = tool.input.parse(sampleOf(options, tool.name).valid);
          // A tool must not change the arguments it is given (the run records them as given).
          const before = structuredClone(args);
          const value: unknown = await tool.execute(args, ctx());
          expect(args, `${tool.name} changed its arguments`).toEqual(before);
          // What a tool returns is recorded and shown as JSON: anything JSON changes or drops is lost or a crash.
          expect(notJson(value ?? null), `${tool.name}: its output is not plain JSON`).toBeUndefined();
          const output = JSON.stringify(value ?? null);
          for (const secret of SECRET_CANARIES) expect(output, `${tool.name}: its output`).not.toContain(secret);
          // An error's message and details reach the model as the call's result, like an output.
          const failing = sampleOf(options, tool.name).failing;
          if (!failing) continue;
          const error = await tool.execute(tool.input.parse(failing), ctx()).then(() => undefined, (e: unknown) => e);
          const shown = `${String((error as Error | undefined)?.message ?? error)} ${JSON.stringify((error as { details?: unknown } | undefined)?.details ?? null)}`;
          for (const secret of SECRET_CANARIES) expect(shown, `${tool.name}: the error of its failing sample`).not.toContain(secret);
        }
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        for (const name of LEAKED_ENV_NAMES) if (name in saved) process.env[name] = saved[name];
      }
    });

    it('fails known bad inputs with a typed AgentrtError', async () => {
      for (const tool of await options.tools()) {
        const failing = sampleOf(options, tool.name).failing;
        if (!failing) continue;
        const error = await tool.execute(tool.input.parse(failing), ctx()).then(() => undefined, (e: unknown) => e);
        expect(AgentrtError.isInstance(error), `${tool.name} should throw a typed error for ${JSON.stringify(failing)}`).toBe(true);
        expect((error as AgentrtError).code).toMatch(/^[a-z]+(_[a-z]+)+$/);
      }
    });

    it('settles promptly when its signal aborts while it runs (tool timeout, kill, cancel)', async () => {
      for (const tool of await options.tools()) {
        // How long the valid sample takes unaborted: a call aborted 5 ms in that takes as long (when that is
        // over a second) ignores its signal, even if it ends within the 5 s below.
        const fullStarted = Date.now();
        await Promise.race([
          Promise.resolve().then(() => tool.execute(tool.input.parse(sampleOf(options, tool.name).valid), ctx())).catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, 10_000)),
        ]);
        const fullMs = Date.now() - fullStarted;
        const controller = new AbortController();
        const started = Date.now();
        const call = Promise.resolve().then(() => tool.execute(tool.input.parse(sampleOf(options, tool.name).valid), ctx(controller.signal))).then(() => 'settled', () => 'settled');
        setTimeout(() => controller.abort(new Error('aborted by the conformance suite while running')), 5);
        const outcome = await Promise.race([call, new Promise((resolve) => setTimeout(() => resolve('did_not_settle'), 5_000))]);
        expect(outcome, tool.name).toBe('settled');
        const abortedMs = Date.now() - started;
        expect(abortedMs, tool.name).toBeLessThan(5_000);
        if (fullMs >= 1_000) expect(abortedMs, `${tool.name} ignores its signal: aborted 5 ms in, it took ${abortedMs} ms; unaborted ${fullMs} ms`).toBeLessThan(fullMs / 2);
      }
    });

    it('honours an aborted signal promptly', async () => {
      for (const tool of await options.tools()) {
        const controller = new AbortController();
        controller.abort(new Error('aborted by the conformance suite'));
        const started = Date.now();
        await tool.execute(tool.input.parse(sampleOf(options, tool.name).valid), ctx(controller.signal)).catch(() => undefined);
        // Promptly: far below any tool timeout; loose enough that a busy machine cannot fail it.
        expect(Date.now() - started, tool.name).toBeLessThan(5_000);
      }
    });
  });
}

/** Settings an HTTP pack must honour when `describeHttpToolPack` builds it. */
export interface HttpPackTestConfig {
  /** Use this for every DNS lookup. */
  readonly resolver: (hostname: string) => Promise<readonly { readonly address: string; readonly family?: number }[]>;
  /** Allow exactly these private CIDRs besides public addresses (the hostile server's address). */
  readonly allowPrivateAddresses: readonly string[];
  /** Give up on a call after this long. */
  readonly timeoutMs: number;
  /** Largest body returned. */
  readonly maxResponseBytes: number;
  /**
   * Ports URLs may name: 80, 443, 8443 (used by `PUBLIC_URLS`) and the hostile server's
   * ephemeral port. A pack that restricts ports must allow exactly these; others ignore it.
   */
  readonly allowPorts: readonly number[];
}

/** Options of `describeHttpToolPack`. */
export interface HttpToolPackSuiteOptions {
  readonly name: string;
  /**
   * Builds the pack for one test: any public host allowed, plain `http:` allowed, and the
   * settings of `config` applied. The GET tool takes `{ url, headers? }`, the POST tool
   * `{ url, body, headers? }`.
   */
  tools(config: HttpPackTestConfig): Tool[] | Promise<Tool[]>;
  /** Name of the GET tool. */
  readonly getTool: string;
  /** Name of the POST tool, if the pack has one. */
  readonly postTool?: string;
  /**
   * The pack's pre-connection check (resolves and checks without connecting). When given,
   * every `PUBLIC_URLS` entry must pass it; if it returns `{ address }`, that must be the
   * expected pinned address.
   */
  checkUrl?(url: string, config: HttpPackTestConfig): Promise<unknown>;
}

const waitUntil = async (condition: () => boolean, timeoutMs: number, what: string): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

type CallOutcome = { readonly code?: string; readonly output?: string; readonly ms: number };

/** Runs a tool as the loop would (schema first), bounded by a deadline so a hang fails the test instead of wedging it. */
async function callTool(tool: Tool, args: unknown, deadlineMs: number, signal?: AbortSignal): Promise<CallOutcome> {
  const started = Date.now();
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) return { code: 'tool_args_invalid', ms: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<CallOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ code: 'did_not_settle', ms: Date.now() - started }), deadlineMs);
  });
  const run = Promise.resolve()
    .then(() => tool.execute(parsed.data, ctx(signal)))
    .then(
      (value): CallOutcome => ({ output: JSON.stringify(value ?? null), ms: Date.now() - started }),
      (error: unknown): CallOutcome => ({ code: AgentrtError.isInstance(error) ? error.code : `untyped: ${String(error)}`, ms: Date.now() - started }),
    );
  try {
    return await Promise.race([run, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts uncaught exceptions and unhandled rejections while `body` runs (a tool must never cause one). */
async function withoutProcessErrors(body: () => Promise<void>): Promise<void> {
  const errors: unknown[] = [];
  const onError = (error: unknown) => errors.push(error);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    await body();
    // Errors of destroyed sockets arrive on later ticks: give them a turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
  expect(errors.map(String), 'uncaught exceptions or unhandled rejections').toEqual([]);
}

/**
 * The HTTP tool-pack conformance suite (first- and third-party), against a hostile loopback
 * server and its canary: every `SSRF_URLS` payload is refused with zero canary hits; every
 * `PUBLIC_URLS` literal passes the pre-connection check; a public name resolved to an allowed
 * server is fetched end to end; redirect bodies, endless bodies and stalled (also gzip) transfers
 * are cut off — the server sees the connection closed with bounded bytes sent — and every call
 * settles within its timeout with a typed error; `HOSTILE_RESOLVER_ANSWERS` never crash the
 * process or reach the canary; `REFUSED_REQUEST_HEADERS` and `HEADER_VALUE_INJECTIONS` never
 * reach the server; a POST body is never resent to another origin on a 307/308;
 * `HOSTILE_HTTP_PROTOCOL_ROUTES` (a 101 to a plain GET, 1xx and header floods, brotli and deflate
 * bombs) settle within the timeout and their connections are closed.
 */
export function describeHttpToolPack(options: HttpToolPackSuiteOptions): void {
  describe(`http tool pack conformance: ${options.name}`, () => {
    let server: HostileHttpServer;
    const timeoutMs = 1_500;
    const deadline = timeoutMs + 3_000;
    /** Test DNS: the hostile names map to the allowed server; other names map to the private addresses they name. */
    const baseResolver = async (hostname: string): Promise<{ address: string; family: number }[]> => {
      const name = hostname.toLowerCase();
      if (name === HOSTILE_HTTP_NAMES.origin || name === HOSTILE_HTTP_NAMES.other) return [{ address: server.address, family: 4 }];
      const embedded = /^(?:.*?\.)?(\d+\.\d+\.\d+\.\d+)\.nip\.io$/.exec(name)?.[1];
      if (embedded) return [{ address: embedded, family: 4 }];
      if (name === 'localtest.me' || name === 'spoofed.test') return [{ address: '127.0.0.1', family: 4 }];
      if (name === 'mixed.test') return [{ address: '203.0.113.10', family: 4 }, { address: '127.0.0.1', family: 4 }];
      return [{ address: '10.9.9.9', family: 4 }];
    };
    const config = (overrides: Partial<HttpPackTestConfig> = {}): HttpPackTestConfig => ({
      resolver: baseResolver, allowPrivateAddresses: [`${server.address}/32`], timeoutMs, maxResponseBytes: 100_000, allowPorts: [80, 443, 8443, server.port], ...overrides,
    });
    const toolOf = async (name: string, overrides: Partial<HttpPackTestConfig> = {}) => {
      const tool = (await options.tools(config(overrides))).find((t) => t.name === name);
      if (!tool) throw new Error(`the pack has no tool named ${name}`);
      return tool;
    };
    const origin = () => `http://${HOSTILE_HTTP_NAMES.origin}:${server.port}`;

    beforeAll(async () => {
      server = await startHostileHttpServer();
    });
    afterAll(async () => {
      await server?.close();
    });

    it(`refuses all ${SSRF_URLS.length} SSRF_URLS with any public host allowed: zero canary hits`, async () => {
      const get = await toolOf(options.getTool);
      for (const template of SSRF_URLS) {
        const url = template.replaceAll('{port}', String(server.port));
        const result = await callTool(get, { url }, deadline);
        expect(result.code, `${url} → ${result.output?.slice(0, 80)}`).toBe('url_blocked');
      }
      expect(server.canaryHits()).toBe(0);
    });

    if (options.checkUrl) it(`allows all ${PUBLIC_URLS.length} PUBLIC_URLS (every IPv4 and IPv6 literal form) before connecting`, async () => {
      for (const { url, address } of PUBLIC_URLS) {
        const checked = await options.checkUrl!(url, config()).then((value) => ({ value }), (error: unknown) => ({ error }));
        expect('error' in checked ? `${url} refused: ${(checked.error as Error).message}` : 'allowed').toBe('allowed');
        const pinned = (checked as { value?: { address?: unknown } }).value?.address;
        if (pinned !== undefined) expect(pinned, url).toBe(address);
      }
    });

    if (options.checkUrl) it('allows public resolver answers whatever family they claim, and refuses hostile ones', async () => {
      const answers: unknown[] = [
        [{ address: '93.184.216.34' }], [{ address: '93.184.216.34', family: 6 }], [{ address: '2606:4700:4700::1111', family: 4 }],
        [{ address: '::ffff:8.8.8.8' }], [{ address: '8.8.8.8', family: 4 }, { address: '2001:4860:4860::8888', family: 6 }],
      ];
      for (const answer of answers) {
        const resolver = async () => answer as { address: string }[];
        const checked = await options.checkUrl!('http://public.example/', config({ resolver })).then(() => 'allowed', (error: unknown) => `refused: ${(error as Error).message}`);
        expect(checked, JSON.stringify(answer)).toBe('allowed');
      }
      for (const { name, answer } of HOSTILE_RESOLVER_ANSWERS) {
        const resolver = async () => answer as { address: string }[];
        const error = await options.checkUrl!('http://hostile.example/', config({ resolver })).then(() => undefined, (e: unknown) => e);
        expect(AgentrtError.isInstance(error), `${name} must be refused with a typed error`).toBe(true);
      }
    });

    it('fetches a public name end to end through a resolver mapping it to an allowed server', async () => {
      const get = await toolOf(options.getTool);
      const result = await callTool(get, { url: `${origin()}/ok` }, deadline);
      expect(result.code).toBeUndefined();
      expect(result.output).toContain('fine');
      // Answers without a family, with a wrong one, or in IPv4-mapped form still reach the allowed server.
      for (const answer of [[{ address: server.address }], [{ address: server.address, family: 6 }], [{ address: `::ffff:${server.address}`, family: 4 }]]) {
        const tool = await toolOf(options.getTool, { resolver: async () => answer });
        const again = await callTool(tool, { url: `${origin()}/ok` }, deadline);
        expect(again.output, JSON.stringify(answer)).toContain('fine');
      }
      const lang = await callTool(get, { url: `${origin()}/echo`, headers: { 'Accept-Language': 'de' } }, deadline);
      expect(lang.output).toContain('accept-language');
    });

    it('destroys redirect bodies instead of draining them: the server sees the connection closed, bytes bounded', async () => {
      const get = await toolOf(options.getTool);
      await withoutProcessErrors(async () => {
        for (const [path, expectCode] of [['/redirect-endless-blocked', 'url_blocked'], ['/redirect-endless-ok', undefined]] as const) {
          const before = server.streams.length;
          const result = await callTool(get, { url: `${origin()}${path}` }, deadline);
          expect(result.code, path).toBe(expectCode);
          if (!expectCode) expect(result.output).toContain('fine');
          const stream = server.streams.slice(before).find((s) => s.path === path)!;
          expect(stream, path).toBeDefined();
          await waitUntil(() => stream.closed, 5_000, `${path}: the client closes the redirect's endless body`);
          expect(stream.bytesSent, path).toBeLessThan(64 * 2 ** 20);
        }
      });
    });

    it('stops an endless body and a compression bomb at the size cap and closes the connection', async () => {
      // What is checked here is the size cap, not speed: a generous timeout keeps a busy machine
      // (decompressing up to the cap takes CPU) from turning the cap's success into http_timeout.
      const slowTimeoutMs = 15_000;
      const get = await toolOf(options.getTool, { timeoutMs: slowTimeoutMs });
      const deadline = slowTimeoutMs + 3_000;
      await withoutProcessErrors(async () => {
        const before = server.streams.length;
        const endless = await callTool(get, { url: `${origin()}/endless` }, deadline);
        expect(endless.code).toBeUndefined();
        expect(endless.output!.length).toBeLessThan(1_000_000);
        const stream = server.streams.slice(before).find((s) => s.path === '/endless')!;
        await waitUntil(() => stream.closed, 5_000, 'the client closes the endless body');
        expect(stream.bytesSent).toBeLessThan(64 * 2 ** 20);
        const bomb = await callTool(get, { url: `${origin()}/gzip-bomb` }, deadline);
        expect(bomb.code).toBeUndefined();
        expect(bomb.output!.length).toBeLessThan(1_000_000);
      });
    });

    it('settles stalled transfers (headers, body, gzip body) within the timeout with a typed error and closes them', async () => {
      const get = await toolOf(options.getTool);
      await withoutProcessErrors(async () => {
        for (const path of ['/headers-stall', '/body-stall', '/gzip-stall']) {
          const before = server.streams.length;
          const result = await callTool(get, { url: `${origin()}${path}` }, deadline);
          expect(result.code, `${path} settles with a typed error`).toMatch(/^[a-z]+(_[a-z]+)+$/);
          expect(result.code, path).not.toBe('did_not_settle');
          expect(result.ms, path).toBeLessThan(deadline);
          const stream = server.streams.slice(before).find((s) => s.path === path)!;
          await waitUntil(() => stream.closed, 5_000, `${path}: the client closes the stalled connection`);
        }
        const garbage = await callTool(get, { url: `${origin()}/gzip-garbage` }, deadline);
        expect(garbage.code ?? 'returned', 'a body that does not decode is a typed error or a value').toMatch(/^(returned|[a-z]+(_[a-z]+)+)$/);
      });
    });

    it(`settles ${HOSTILE_HTTP_PROTOCOL_ROUTES.length} HOSTILE_HTTP_PROTOCOL_ROUTES (101 without an upgrade, 1xx flood, header flood, brotli and deflate bombs) within the timeout and closes them`, async () => {
      const get = await toolOf(options.getTool);
      await withoutProcessErrors(async () => {
        for (const path of HOSTILE_HTTP_PROTOCOL_ROUTES) {
          const before = server.streams.length;
          const result = await callTool(get, { url: `${origin()}${path}` }, deadline);
          expect(result.code, path).not.toBe('did_not_settle');
          expect(result.code ?? 'value', `${path} settles with a value or a typed error`).toMatch(/^(value|[a-z]+(_[a-z]+)+)$/);
          expect(result.ms, path).toBeLessThan(deadline);
          if (result.output) expect(result.output.length, path).toBeLessThan(1_000_000);
          const stream = server.streams.slice(before).find((s) => s.path === path);
          if (stream) await waitUntil(() => stream.closed, 5_000, `${path}: the client closes the connection`);
        }
      });
    });

    it(`survives ${HOSTILE_RESOLVER_ANSWERS.length} hostile resolver answers and broken resolvers: typed errors, no crash, zero canary hits`, async () => {
      await withoutProcessErrors(async () => {
        const requestsBefore = server.requests.length;
        for (const { name, answer } of HOSTILE_RESOLVER_ANSWERS) {
          const get = await toolOf(options.getTool, { resolver: async () => answer as { address: string }[] });
          const result = await callTool(get, { url: `http://hostile.example:${server.port}/ok` }, deadline);
          expect(result.code, `${name} → ${result.output?.slice(0, 80)}`).toMatch(/^[a-z]+(_[a-z]+)+$/);
          expect(result.code, name).not.toBe('did_not_settle');
        }
        const broken: [string, HttpPackTestConfig['resolver']][] = [
          ['throws synchronously', () => { throw new Error('resolver exploded'); }],
          ['rejects', async () => { throw new Error('SERVFAIL'); }],
          ['never settles', () => new Promise(() => undefined)],
        ];
        for (const [name, resolver] of broken) {
          const get = await toolOf(options.getTool, { resolver });
          const result = await callTool(get, { url: `http://hostile.example:${server.port}/ok` }, deadline);
          expect(result.code, `resolver that ${name}`).toMatch(/^[a-z]+(_[a-z]+)+$/);
          expect(result.code, `resolver that ${name}`).not.toBe('did_not_settle');
        }
        expect(server.canaryHits()).toBe(0);
        expect(server.requests.slice(requestsBefore).filter((r) => r.host.startsWith('hostile.example'))).toEqual([]);
      });
    });

    it(`refuses ${REFUSED_REQUEST_HEADERS.length} request headers off the allowlist and header injections; none reaches the server`, async () => {
      const get = await toolOf(options.getTool);
      const before = server.requests.length;
      for (const name of REFUSED_REQUEST_HEADERS) {
        const result = await callTool(get, { url: `${origin()}/echo`, headers: { [name]: 'agentrt-refused' } }, deadline);
        expect(result.code, `header ${name}`).toMatch(/^[a-z]+(_[a-z]+)+$/);
      }
      for (const value of HEADER_VALUE_INJECTIONS) {
        const result = await callTool(get, { url: `${origin()}/echo`, headers: { Accept: value } }, deadline);
        expect(result.code, `header value ${JSON.stringify(value.slice(0, 40))}`).toMatch(/^[a-z]+(_[a-z]+)+$/);
      }
      const leaked = server.requests.slice(before).filter((r) => Object.values(r.headers).some((v) => String(v).includes('agentrt-refused') || String(v).includes('Injected')));
      expect(leaked).toEqual([]);
    });

    if (options.postTool) it('never resends a POST body to another origin on 307/308; same-origin 307/308 may', async () => {
      const post = await toolOf(options.postTool!);
      const marker = 'agentrt-post-body-marker';
      for (const path of ['/307-cross', '/308-cross', '/303-cross']) {
        const before = server.requests.length;
        const result = await callTool(post, { url: `${origin()}${path}`, body: JSON.stringify({ marker }) }, deadline);
        expect(result.code === undefined || /^[a-z]+(_[a-z]+)+$/.test(result.code), path).toBe(true);
        const elsewhere = server.requests.slice(before).filter((r) => r.host.startsWith(HOSTILE_HTTP_NAMES.other));
        expect(elsewhere.filter((r) => r.body.includes(marker)), `${path}: the body reached another origin`).toEqual([]);
        expect(elsewhere.filter((r) => 'idempotency-key' in r.headers), `${path}: the idempotency key reached another origin`).toEqual([]);
      }
      for (const path of ['/307-same', '/308-same']) {
        const result = await callTool(post, { url: `${origin()}${path}`, body: JSON.stringify({ marker }) }, deadline);
        expect(result.code, path).toBeUndefined();
        expect(result.output, path).toContain(marker);
      }
    });
  });
}

/** Options of `describeFsToolPack`. */
export interface FsToolPackSuiteOptions {
  readonly name: string;
  /**
   * Builds the pack confined to `root`. `allowHardLinks` asks for the pack's opt-in to
   * multiply-linked files (packs without one may ignore it). Tool arguments: read `{ path }`,
   * list `{ path }`, search `{ query, path }`, write `{ path, content }`.
   */
  tools(root: string, options: { readonly allowHardLinks: boolean }): Tool[] | Promise<Tool[]>;
  /** Tool names, if not `read_file`, `list_dir`, `search_files`, `write_file`. */
  readonly names?: { readonly read?: string; readonly list?: string; readonly search?: string; readonly write?: string };
}

/**
 * The filesystem tool-pack conformance suite (first- and third-party), on the layout of
 * `createPathTraversalLayout`: FIFOs, sockets and devices inside the root are refused by every
 * tool without blocking (and the libuv thread pool stays free: DNS and fs calls still complete);
 * hard links to files outside the root are never read or written through by default; every
 * `LEGITIMATE_NAMES` entry is written, read back, listed and found; and under a race in which
 * another process swaps a directory for a symlink to outside, reads, listings and searches leak
 * nothing (zero canary lines); and a search aborted mid-walk settles promptly, without results.
 */
export function describeFsToolPack(options: FsToolPackSuiteOptions): void {
  const names = { read: 'read_file', list: 'list_dir', search: 'search_files', write: 'write_file', ...options.names };
  const build = async (root: string, allowHardLinks = false) => {
    const tools = await options.tools(root, { allowHardLinks });
    const named = (name: string) => tools.find((t) => t.name === name);
    return { read: named(names.read)!, list: named(names.list), search: named(names.search), write: named(names.write) };
  };
  const typed = /^[a-z]+(_[a-z]+)+$/;

  describe(`fs tool pack conformance: ${options.name}`, () => {
    it('refuses FIFOs, sockets and devices in every tool without blocking; the thread pool stays free', async () => {
      const layout = await createPathTraversalLayout();
      try {
        const tools = await build(layout.root);
        const special = layout.special.filter((s) => s.kind === 'fifo' || s.kind === 'socket' || s.kind === 'device');
        expect(special.some((s) => s.kind === 'fifo'), 'the layout has FIFOs (mkfifo available)').toBe(true);
        // Readers and writers go in separate waves: a reader and a writer of one FIFO would release each other.
        const waves: [string, (path: string) => Promise<CallOutcome>][] = [['read', (path) => callTool(tools.read, { path }, 5_000)]];
        if (tools.write) waves.push(['write', (path) => callTool(tools.write!, { path, content: 'x' }, 5_000)]);
        for (const [kind, call] of waves) {
          // More concurrent calls than libuv has threads (4 by default): a blocking open would starve the pool.
          const calls: Promise<CallOutcome>[] = [];
          for (let round = 0; round < 8; round++) for (const { path } of special) calls.push(call(path));
          // While those calls are in flight, fs and DNS work (both on libuv's pool) must keep completing.
          let settled = false;
          const all = Promise.all(calls).then((outcomes) => {
            settled = true;
            return outcomes;
          });
          let probe: unknown = 'free';
          const probeUntil = Date.now() + 1_500;
          do {
            probe = await Promise.race([
              Promise.all([...Array.from({ length: 8 }, () => fsPromises.stat(layout.root)), dnsLookup('localhost').catch(() => undefined)]).then(() => 'free'),
              new Promise((resolve) => setTimeout(() => resolve('thread pool blocked'), 2_000)),
            ]);
          } while (probe === 'free' && !settled && Date.now() < probeUntil);
          const outcomes = await all;
          expect(probe, `${kind} of special files`).toBe('free');
          for (const outcome of outcomes) {
            expect(outcome.code, `${kind}: every call settles`).not.toBe('did_not_settle');
            expect(outcome.code, `${kind}: refused with a typed error, got ${outcome.output?.slice(0, 60)}`).toMatch(typed);
          }
        }
        const others = await Promise.all([
          tools.search ? callTool(tools.search, { query: 'pipe', path: '.' }, 5_000) : undefined,
          tools.search ? callTool(tools.search, { query: 'hello', path: '.' }, 5_000) : undefined,
          tools.list ? callTool(tools.list, { path: '.' }, 5_000) : undefined,
        ]);
        for (const outcome of others) if (outcome) expect(outcome.code, 'searches and listings settle').toBeUndefined();
      } finally {
        layout.cleanup();
      }
    });

    it('never reads or overwrites a file outside the root through a hard link (by default)', async () => {
      const layout = await createPathTraversalLayout();
      try {
        const links = layout.special.filter((s) => s.kind === 'hardlink-outside');
        expect(links.length).toBeGreaterThan(0);
        const tools = await build(layout.root);
        const before = layout.snapshotOutside();
        for (const { path } of links) {
          const read = await callTool(tools.read, { path }, 5_000);
          expect(read.output ?? '', path).not.toContain(layout.canary);
          expect(read.code, path).toMatch(typed);
          if (tools.write) expect((await callTool(tools.write, { path, content: 'PWNED' }, 5_000)).code, path).toMatch(typed);
        }
        if (tools.search) {
          const found = await callTool(tools.search, { query: layout.canary.slice(0, 12), path: '.' }, 5_000);
          expect(found.output ?? '').not.toContain(layout.canary);
        }
        expect(layout.snapshotOutside()).toBe(before);
      } finally {
        layout.cleanup();
      }
    });

    it(`writes, reads, lists and finds all ${LEGITIMATE_NAMES.length} LEGITIMATE_NAMES`, async () => {
      const layout = await createPathTraversalLayout();
      try {
        const tools = await build(layout.root);
        for (const name of LEGITIMATE_NAMES) {
          const content = `content of ${name} — marker-${LEGITIMATE_NAMES.indexOf(name)}`;
          if (tools.write) {
            const written = await callTool(tools.write, { path: name, content }, 5_000);
            expect(written.code, `write ${JSON.stringify(name)}`).toBeUndefined();
          } else {
            mkdirSync(join(layout.root, dirname(name)), { recursive: true });
            writeFileSync(join(layout.root, name), content);
          }
          const read = await callTool(tools.read, { path: name }, 5_000);
          expect(read.code, `read ${JSON.stringify(name)}`).toBeUndefined();
          expect(read.output, `read ${JSON.stringify(name)}`).toContain(JSON.stringify(content).slice(1, -1));
          if (tools.list) {
            const listed = await callTool(tools.list, { path: dirname(name) === '.' ? '.' : dirname(name) }, 5_000);
            expect(listed.output, `list ${JSON.stringify(name)}`).toContain(JSON.stringify(basename(name)).slice(1, -1));
          }
        }
        if (tools.search) {
          const found = await callTool(tools.search, { query: 'marker-1', path: '.' }, 5_000);
          expect(found.code).toBeUndefined();
          expect(found.output).toContain('spaces in name.txt');
        }
      } finally {
        layout.cleanup();
      }
    });

    if (names.search) it('ends a search promptly when its call is aborted mid-walk (tool timeout, kill, cancel)', async () => {
      const layout = await createPathTraversalLayout();
      try {
        const big = join(layout.root, 'big');
        mkdirSync(big);
        const blob = `${'lorem ipsum '.repeat(21_000)}\n`;
        for (let i = 0; i < 400; i++) writeFileSync(join(big, `file-${i}.txt`), blob);
        const tools = await build(layout.root);
        const full = await callTool(tools.search!, { query: 'needle-that-is-nowhere', path: 'big' }, 60_000);
        expect(full.code, 'a search of 400 files completes').toBeUndefined();
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(new Error('aborted by the conformance suite')), Math.max(20, full.ms / 10));
        const aborted = await callTool(tools.search!, { query: 'needle-that-is-nowhere', path: 'big' }, 60_000, controller.signal);
        clearTimeout(timer);
        expect(aborted.output, 'an aborted search fails instead of returning partial results').toBeUndefined();
        expect(aborted.ms, `settles soon after the abort (full walk ${full.ms} ms)`).toBeLessThan(Math.max(full.ms / 2, 50));
      } finally {
        layout.cleanup();
      }
    });

    it('leaks nothing while another process swaps a directory for a symlink to outside (reads, listings, searches)', async () => {
      const layout = await createPathTraversalLayout();
      const outside = join(layout.base, 'outside-dir');
      mkdirSync(join(layout.root, 'swap'));
      writeFileSync(join(layout.root, 'swap', 'secret.txt'), 'inside secret.txt, no canary');
      const swapper = `
        const fs = require('node:fs');
        const at = ${JSON.stringify(join(layout.root, 'swap'))}, held = ${JSON.stringify(join(layout.root, 'held'))}, out = ${JSON.stringify(outside)};
        process.stdout.write('swapping\\n');
        const end = Date.now() + 60_000; // a safety net: the suite kills it once its attempts are done
        while (Date.now() < end) {
          try { fs.renameSync(at, held); fs.symlinkSync(out, at); fs.unlinkSync(at); fs.renameSync(held, at); } catch {}
        }`;
      const child = spawn(process.execPath, ['-e', swapper], { stdio: ['ignore', 'pipe', 'ignore'] });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        // A fixed number of rounds, all while the swapper runs (a time window would shrink on a busy machine).
        await new Promise((resolve) => child.stdout!.once('data', resolve));
        const tools = await build(layout.root);
        let calls = 0;
        const leaks: string[] = [];
        for (let round = 0; round < 25; round++) {
          const outcomes = await Promise.all([
            callTool(tools.read, { path: 'swap/secret.txt' }, 5_000),
            tools.search ? callTool(tools.search, { query: 'secret', path: '.' }, 5_000) : undefined,
            tools.search ? callTool(tools.search, { query: layout.canary.slice(0, 10), path: 'swap' }, 5_000) : undefined,
            tools.list ? callTool(tools.list, { path: 'swap' }, 5_000) : undefined,
          ]);
          for (const outcome of outcomes) {
            if (!outcome) continue;
            calls++;
            expect(outcome.code, 'settles').not.toBe('did_not_settle');
            if (outcome.output?.includes(layout.canary)) leaks.push(outcome.output.slice(0, 200));
          }
        }
        expect(calls).toBeGreaterThanOrEqual(25);
        expect(leaks).toEqual([]);
      } finally {
        child.kill('SIGKILL');
        await exited;
        layout.cleanup();
      }
    });
  });
}
