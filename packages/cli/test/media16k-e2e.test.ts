// media16k: rich content end to end, as a user runs it. tools-http `http_get` (a loopback server,
// allowed by `allowPrivateAddresses`) and tools-fs `read_file` return a real PNG and a real PDF;
// the official-SDK adapters send them to loopback providers; each durable store takes a SIGKILL
// after the media steps committed, and `resume` in a new process sends the same bytes again.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { RunResult, StateStore } from '@agentrt/core';
import { PostgresStore } from '@agentrt/store-postgres';
import { RedisStore } from '@agentrt/store-redis';
import { SqliteStore } from '@agentrt/store-sqlite';
import { buildPdf, buildPng, checkRunInvariants, crc32, startAnthropicServer, startOpenAIServer, type LoopbackServer, type LoopbackStep } from '@agentrt/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CHILD = new URL('./__fixtures__/media16k-child.mjs', import.meta.url).pathname;
const BIN = new URL('../dist/bin.js', import.meta.url).pathname;

/** A real PNG made large by a private ancillary chunk of random bytes (decoders skip it): incompressible. */
function bigPng(bytes: number): Buffer {
  const png = buildPng({ width: 32, height: 24 });
  const iend = png.length - 12;
  const data = randomBytes(bytes);
  const chunk = Buffer.alloc(12 + bytes);
  chunk.writeUInt32BE(bytes, 0);
  chunk.write('raNd', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + bytes)), 8 + bytes);
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

const PNG = bigPng(256 * 1024);
const PDF = buildPdf('Quarterly revenue: 42 million');
const PNG64 = PNG.toString('base64');
const PDF64 = PDF.toString('base64');
const STEPS = 10; // model calls: step 0 fetches the image and reads the PDF, steps 1..8 fetch the image again, step 9 answers
const CRASH_AFTER = 4;

let http: Server;
let httpPort = 0;
let root = '';
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'agentrt-media16k-'));
  writeFileSync(join(root, 'report.pdf'), PDF);
  http = createServer((request, response) => {
    if (request.url?.startsWith('/chart.png')) response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  httpPort = (http.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

function script(): LoopbackStep[] {
  const url = (n: number) => `http://127.0.0.1:${httpPort}/chart.png?n=${n}`;
  return [
    { reply: { toolCalls: [{ id: 'call_0a', name: 'http_get', args: { url: url(0) } }, { id: 'call_0b', name: 'read_file', args: { path: 'report.pdf' } }] } },
    ...Array.from({ length: STEPS - 2 }, (_, i) => ({ reply: { toolCalls: [{ id: `call_${i + 1}`, name: 'http_get', args: { url: url(i + 1) } }] } })),
    { reply: { text: 'The chart shows growth; the report says 42 million.' } },
  ];
}

interface Outcome { code: number | null; signal: NodeJS.Signals | null; result?: RunResult<unknown>; stderr: string }
function child(config: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, [CHILD, JSON.stringify({ root, httpPort, ...config })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    process_.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    process_.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => process_.kill('SIGKILL'), 40_000);
    process_.on('error', reject);
    process_.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ code, signal, stderr, ...(line ? { result: JSON.parse(line.slice(7)) as RunResult<unknown> } : {}) });
    });
  });
}

/** Every base64 media string a request body carries, in order, whatever the wire shape. */
function mediaIn(body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      const m = /^data:[^;]+;base64,(.*)$/s.exec(v);
      if (m) out.push(m[1]!);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const record = v as Record<string, unknown>;
      if (record.type === 'base64' && typeof record.data === 'string') out.push(record.data);
      for (const key of Object.keys(record)) walk(record[key]);
    }
  };
  walk(body);
  return out;
}

interface StoreCase {
  readonly name: string;
  readonly provider: 'openai' | 'anthropic';
  spec(): Record<string, unknown>;
  open(spec: Record<string, unknown>): StateStore;
  /** Bytes the store holds now (for growth). */
  size(spec: Record<string, unknown>): number;
}

const CASES: StoreCase[] = [
  {
    name: 'SqliteStore', provider: 'openai',
    spec: () => ({ kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'agentrt-media16k-db-')), 'runs.db') }),
    open: (spec) => new SqliteStore({ path: spec.path as string }),
    size: (spec) => Number(execFileSync('sqlite3', [spec.path as string, 'PRAGMA wal_checkpoint(TRUNCATE);', 'SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size();']).toString().trim().split('\n').pop()),
  },
  {
    name: 'RedisStore', provider: 'anthropic',
    spec: () => ({ kind: 'redis', url: REDIS_URL, keyPrefix: `media16k-${randomUUID()}:` }),
    open: (spec) => new RedisStore({ url: spec.url as string, keyPrefix: spec.keyPrefix as string }),
    size: (spec) => {
      const cli = (...args: string[]) => execFileSync('redis-cli', ['-u', REDIS_URL, ...args]).toString().trim();
      const keys = cli('--scan', '--pattern', `${spec.keyPrefix as string}*`).split('\n').filter(Boolean);
      return keys.reduce((sum, key) => sum + Number(cli('MEMORY', 'USAGE', key, 'SAMPLES', '0') || 0), 0);
    },
  },
  {
    name: 'PostgresStore', provider: 'openai',
    spec: () => ({ kind: 'postgres', url: DATABASE_URL, schema: `media16k_${randomUUID().slice(0, 8)}` }),
    open: (spec) => new PostgresStore({ url: spec.url as string, schema: spec.schema as string }),
    size: (spec) => Number(execFileSync('psql', [DATABASE_URL, '-tAc', `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${spec.schema as string}' AND c.relkind = 'r'`]).toString().trim()),
  },
];

const servers = { openai: startOpenAIServer, anthropic: startAnthropicServer };

describe('media16k: images and PDFs from tools, through a crash, on every durable store', () => {
  // The reference: the same run without a crash (per provider), to compare the resumed requests with.
  const reference = new Map<string, unknown[]>();

  for (const store of CASES) {
    it(`${store.name} (${store.provider}): the model sees the PNG and PDF byte-identical, a SIGKILL after step ${CRASH_AFTER} resumes with the same requests, media stored once`, async () => {
      await using provider: LoopbackServer = await servers[store.provider](script());
      const spec = store.spec();
      const runId = `media16k-${store.name}`;
      // A store holding one text-only run is the baseline.
      {
        await using plain: LoopbackServer = await servers[store.provider]([{ reply: { text: 'hi' } }]);
        const warm = await child({ mode: 'start', runId: 'warm', store: spec, provider: store.provider, providerUrl: plain.url });
        expect(warm.result).toMatchObject({ stopReason: 'final_answer' });
      }
      const baseline = store.size(spec);

      const crashed = await child({ mode: 'start', runId, store: spec, provider: store.provider, providerUrl: provider.url, crashAfterStep: CRASH_AFTER });
      expect(crashed.signal).toBe('SIGKILL');
      expect(crashed.result).toBeUndefined();
      const resumed = await child({ mode: 'resume', runId, store: spec, provider: store.provider, providerUrl: provider.url });
      expect(resumed.stderr).toBe('');
      expect(resumed.result).toMatchObject({ status: 'completed', stopReason: 'final_answer', steps: STEPS });

      const requests = provider.requests.filter((r) => !r.rejected).map((r) => r.body);
      // crashed: steps 0..4; resumed: steps 5..9.
      const run = requests;
      expect(run).toHaveLength(STEPS);
      // Every request after step 0 carries the PNG once per fetch so far and the PDF, byte for byte.
      for (let step = 1; step < STEPS; step++) {
        const media = mediaIn(run[step]);
        expect(media.filter((m) => m === PNG64)).toHaveLength(step);
        expect(media.filter((m) => m === PDF64)).toHaveLength(1);
        expect(media).toHaveLength(step + 1);
      }
      // The provider's documented shape.
      const last = run[STEPS - 1] as { messages: Record<string, unknown>[] };
      if (store.provider === 'openai') {
        const attachments = last.messages.filter((m) => m.role === 'user' && Array.isArray(m.content) && (m.content as { type: string }[]).some((p) => p.type === 'image_url'));
        expect(attachments.length).toBe(STEPS - 1);
        const parts = attachments.flatMap((m) => m.content as Record<string, unknown>[]);
        const files = parts.filter((p) => p.type === 'file').map((p) => p.file as Record<string, unknown>);
        const images = parts.filter((p) => p.type === 'image_url').map((p) => (p.image_url as { url: string }).url);
        expect(files.map((f) => [f.filename, f.file_data === `data:application/pdf;base64,${PDF64}`])).toEqual([['report.pdf', true]]);
        expect(images.map((url) => url === `data:image/png;base64,${PNG64}`)).toEqual(Array.from({ length: STEPS - 1 }, () => true));
      } else {
        const results = last.messages.flatMap((m) => (Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : [])).filter((b) => b.type === 'tool_result');
        const blocks = results.flatMap((r) => r.content as Record<string, unknown>[]);
        const images = blocks.filter((b) => b.type === 'image').map((b) => b.source as Record<string, unknown>);
        expect(images.map((source) => source.type === 'base64' && source.media_type === 'image/png' && source.data === PNG64)).toEqual(Array.from({ length: STEPS - 1 }, () => true));
        const documents = blocks.filter((b) => b.type === 'document');
        expect(documents.map((d) => [d.title, JSON.stringify(d.source) === JSON.stringify({ type: 'base64', media_type: 'application/pdf', data: PDF64 })])).toEqual([['report.pdf', true]]);
      }
      // Resume sends exactly the requests an uncrashed run sends.
      const key = store.provider;
      if (!reference.has(key)) {
        await using clean: LoopbackServer = await servers[store.provider](script());
        const cleanSpec = store.spec();
        const done = await child({ mode: 'start', runId, store: cleanSpec, provider: store.provider, providerUrl: clean.url });
        expect(done.result).toMatchObject({ stopReason: 'final_answer', steps: STEPS });
        reference.set(key, clean.requests.map((r) => r.body));
      }
      const expected = reference.get(key)!;
      const same = Array.from({ length: STEPS }, (_, step) => JSON.stringify(run[step]) === JSON.stringify(expected[step]));
      expect(same).toEqual(Array.from({ length: STEPS }, () => true));

      // Media stored once per run: growth well below one copy per step.
      const db = store.open(spec);
      try {
        const report = await checkRunInvariants({ store: db, runId, result: resumed.result! });
        expect(report.violations).toEqual([]);
      } finally {
        await db.close?.();
      }
      const grown = store.size(spec) - baseline;
      const oneCopy = PNG64.length + PDF64.length;
      console.info(`media16k ${store.name}: store ${grown} B after ${STEPS} steps re-sending a ${PNG.length} B PNG (one base64 copy ${oneCopy} B; ${STEPS - 1} copies would be ${(STEPS - 1) * PNG64.length} B)`);
      expect(grown).toBeLessThan(oneCopy * 2);

      if (spec.kind === 'sqlite') {
        // The CLI on the file afterwards: parts as lines of their own, never the bytes.
        const config = join(root, 'agentrt.config.json');
        writeFileSync(config, JSON.stringify({ store: { type: 'sqlite', path: spec.path } }));
        const cli = (...args: string[]) => execFileSync(process.execPath, [BIN, ...args, '--config', config], { encoding: 'utf8' });
        const runs = cli('runs');
        expect(runs).toContain(runId);
        expect(runs).toMatch(/completed\s+final_answer/);
        const trace = cli('trace', runId);
        expect(trace.match(/part 1 of 1: \[image image\/png 257\.5 KB sha256:[0-9a-f]{8}\]/g)).toHaveLength(STEPS - 1);
        expect(trace).toMatch(/part 1 of 1: \[file application\/pdf report\.pdf 610 B sha256:[0-9a-f]{8}\]/);
        for (const text of [runs, trace, cli('trace', runId, '--json')]) {
          expect(text.includes(PNG64.slice(1000, 1064))).toBe(false);
          expect(text.includes(PDF64.slice(100, 164))).toBe(false);
          expect(text.length).toBeLessThan(64 * 1024);
        }
      }
    }, 60_000);
  }
});
