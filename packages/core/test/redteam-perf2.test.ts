// Red team of the second hot-path round (3743ffb..92635d9): literal-first redaction detectors and the
// lower-cased pre-check, the memo of long clean texts, direct defineTool calls, and the kill-flag
// checks before model and tool calls. Public API only; the earlier detector definitions are the
// reference (reference-redaction.ts), here on a wider corpus than redaction-detectors.test.ts:
// escapes, Unicode case folding, colour codes, long texts.
import {
  createRuntime, defineTool, MemoryStore, Redactor, REDACTED,
  type ModelAdapter, type ModelRequest, type ModelStreamEvent, type RunEvent, type RuntimeHooks, type StateStore, type Tool, type ToolContext,
} from '@agentrt/core';
import { ScriptedModel, seededRandom } from '@agentrt/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { referenceRedact } from './reference-redaction.js';


// Token pieces plus what the brief's attacks are about: escapes before a token, Unicode letters whose
// case folding reaches ASCII (Kelvin sign, long s, dotless i, Turkish İ whose lower case is two
// characters), full-width letters, colour codes, escaped quotes of JSON in JSON, line separators.
const PIECES = [
  'sk-', 'rk-', 'pk-', 'SK-', 'task-', 'AKIA', 'ASIA', 'akia', 'eyJ', 'EYJ', 'Bearer', 'bearer', 'BEARER', 'BASIC', 'Basic', 'ghp_', 'github_pat_', 'tvly-', 'xoxb-', 'AIza',
  'TOKEN', 'SECRET', 'MY_', 'API_KEY', 'APIKEY', 'ACCESS_KEY', 'PRIVATE_KEY', 'CREDENTIALS', 'CREDENTIAL', 'PASSWORD', 'PASSWD', 'password', 'Password', 'passwd', 'secret', 'token', 'TOKEn', 'api-key', 'api_key', 'authorization', 'Authorization',
  '?key=', '&token=', '#sig=', '?KEY=', '?', '&', '#', '://', 'user:pw@', '@', ':', '=', ' = ', ': ', '"', "'", '\\"', '\\\\\\"', '\\', '\\n', '\\N', '\\t', '\\r', '\\b', '\\f', '\\u0041', '\\u00ab', '\\U0041',
  '\n', '\r\n', '\t', ' ', '  ', ',', ';', '.', '-', '_', '/', '\u00a0', '\u2028',
  'x', 'A', 'z', '0', '9', 'abcdefghij', 'ABCDEFGHIJKLMNOP', '0123456789', 'aB3_-xY9', 'QRSTUVWXYZ012345', 'eyJhbGciOiJIUzI1', '.eyJzdWIiOiIx', '.c2lnbmF0dXJl',
  'K', '\u212a', 'İ', 'ı', 'ſ', 'é', 'ß', 'ﬀ', 'İTOKEN', 'ſecret', 'toKen', 'ＴＯＫＥＮ', '\u212aEY', '\ud83d\ude00', '\ud800',
  '\x1b[31m', '\x1b[0m', '\x1b[1;32m', '\x9b1m', '\x1b]0;t\x07', '\x1bM',
];
const piecesText = (next: () => number, count: number) => {
  let text = '';
  for (let j = 0; j < count; j++) text += PIECES[Math.floor(next() * PIECES.length)];
  return text;
};

/**
 * Budget of the CPU-heavy cases (large corpora checked against the slow reference, timing
 * ratios re-measured): 7–20 s on a quiet 2-vCPU machine, several times that with every core
 * busy. The default 30 s timeout is for tests that wait; these compute.
 */
const HEAVY_MS = 240_000;

const CANARIES = {
  sk: 'sk-Canary0123456789abcd',
  akia: 'AKIAZZZZ1234567890AB',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3In0.c2lnbmF0dXJlLWNhbmFyeQ',
  bearer: 'Zm9vYmFyYmF6cXV4Y2FuYXJ5',
  assignment: 'assign-canary-77',
  json: 'json-canary-88',
};

/** Texts that hold a canary in every position the brief names; each must be masked as the earlier definitions masked it. */
function hostileCases(): string[] {
  const { sk, akia, jwt, bearer, assignment, json } = CANARIES;
  const tokens = [sk, akia, jwt, `Bearer ${bearer}`, `basic ${bearer}`, `MY_API_TOKEN=${assignment}`, `DB_PASSWORD: "${assignment}"`, `"password": "${json}"`, `'secret': '${json}'`];
  const before = ['', ' ', '\\n', '\\t', '\\r', '\\b', '\\f', '\\u0041', '\\u00e9', '\\u212a', '\u212a', 'ſ', 'ı', 'İ', 'é', '\x1b[31m', '\x1b[1;31m', '\x9b31m', '\x1b]8;;http://x\x07', '\x1bM', '"', '\\"', "'", '(', '=', '\u2028', '\ud83d\ude00'];
  const after = ['', ' ', '\\n', '\x1b[0m', '"', '\\"', ',', '.', 'İ', '\u212a'];
  const out: string[] = [];
  for (const token of tokens) {
    for (const b of before) for (const a of after) out.push(`${b}${token}${a}`);
    // JSON text, JSON in JSON, and the same with a newline (an escape) right before the token.
    for (const wrapped of [JSON.stringify({ note: token }), JSON.stringify({ note: `line\n${token}` }), JSON.stringify(JSON.stringify({ note: `x\n${token}` }))]) out.push(wrapped);
  }
  out.push(JSON.stringify(JSON.stringify({ password: json })), JSON.stringify({ payload: JSON.stringify({ api_key: json }) }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// 1. Detectors rewritten literal-first, pre-check on the lower-cased text
// ---------------------------------------------------------------------------------------------
describe('red team (perf2): literal-first detectors and the lower-cased pre-check', () => {
  it('mask exactly what the earlier definitions (with the earlier case-insensitive pre-check and colour-code pass) masked, on 60,000 random texts with escapes, Unicode folding and colour codes', () => {
    const next = seededRandom(2026);
    const redactor = new Redactor();
    let masked = 0;
    for (let i = 0; i < 60_000; i++) {
      // Every tenth text is long (past the 64-character memo, through the long-text path).
      const text = piecesText(next, 1 + Math.floor(next() * (i % 10 === 0 ? 60 : 14)));
      const expected = referenceRedact(text);
      if (expected !== text) masked++;
      const actual = redactor.text(text);
      if (actual !== expected) expect({ text, actual }).toEqual({ text, actual: expected });
    }
    expect(masked).toBeGreaterThan(10_000);
  }, HEAVY_MS);

  it('hostile placements (escapes, Kelvin sign, long s, dotless and Turkish i, colour codes, JSON in JSON, start and end of text) mask as before and never show a canary', () => {
    const redactor = new Redactor();
    const cases = hostileCases();
    expect(cases.length).toBeGreaterThan(2_000);
    for (const text of cases) {
      const actual = redactor.text(text);
      expect({ text, actual }).toEqual({ text, actual: referenceRedact(text) });
    }
    // The bare tokens right after a boundary are masked (no canary survives).
    for (const token of [CANARIES.sk, CANARIES.akia, CANARIES.jwt]) {
      for (const text of [token, ` ${token}`, `\\n${token}`, `\\u0041${token}`, `\u212a${token}`, `İ${token}`, `\x1b[31m${token}\x1b[0m`, `${'x '.repeat(40)}${token}`]) {
        expect(redactor.text(text), JSON.stringify(text)).not.toContain(token);
      }
    }
  });

  it('upper-case assignments at the 64-character name limits: masked and left exactly as before (no new over- or under-redaction)', () => {
    const redactor = new Redactor();
    const texts: string[] = [];
    for (const n of [0, 1, 63, 64, 65, 66, 128, 129, 130]) {
      for (const name of ['TOKEN', 'API_KEY', 'CREDENTIALS', 'SECRET']) {
        texts.push(`${'A'.repeat(n)}${name}=value1`, `${name}${'B'.repeat(n)}=value2`, `x ${'A_'.repeat(n >> 1)}${name}${'_Z'.repeat(n >> 1)}: "value3"`, `\\n${'9'.repeat(n)}${name}='v4'`);
        texts.push(`${name}${'C'.repeat(n)}${name}${'D'.repeat(n)}=value5`, `\\u00AB${'E'.repeat(n)}${name}=value6`);
      }
    }
    for (const text of texts) expect({ text, actual: redactor.text(text) }).toEqual({ text, actual: referenceRedact(text) });
  });

  it('long texts (over 64 and over 256K characters) with a token at the very start, middle and very end mask as before', () => {
    const redactor = new Redactor();
    const filler = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: i, note: `ordinary line ${i}\n`, url: `https://example.com/${i}?page=${i}` })));
    for (const size of [1, 2, 4000]) {
      const body = filler(size);
      for (const token of [...Object.values(CANARIES).slice(0, 3), `Bearer ${CANARIES.bearer}`, `TOKEN=${CANARIES.assignment}`, `\\"password\\": \\"${CANARIES.json}\\"`]) {
        for (const text of [`${token}${body}`, `${body}${token}`, `${body.slice(0, body.length >> 1)}\\n${token} ${body.slice(body.length >> 1)}`, `${body}\x1b[31m${token}`]) {
          const actual = redactor.text(text);
          expect(actual === referenceRedact(text), `${size} ${token.slice(0, 12)} (${text.length} chars)`).toBe(true);
          expect(actual.includes(token.replace(/^(Bearer |TOKEN=|\\"password\\": \\")/, '').replace(/\\"$/, '')), `${size} ${token.slice(0, 12)}`).toBe(false);
        }
      }
    }
  }, HEAVY_MS);

  it('a token split across streamed pieces at every cut (and one character at a time) is never shown, and the joined stream equals text()', () => {
    const redactor = new Redactor();
    const texts = [
      `start ${CANARIES.sk} end`, `${CANARIES.akia}`, `x \\n${CANARIES.jwt} y`, `Authorization: Bearer ${CANARIES.bearer}`, `export MY_SECRET_TOKEN=${CANARIES.assignment}`,
      `{"password": "${CANARIES.json}"}`, `\x1b[31m${CANARIES.sk}\x1b[0m`, `İİİ ${CANARIES.sk} ſ`, `${'word '.repeat(80)}TOKEN=${CANARIES.assignment}${' tail'.repeat(80)}`,
    ];
    for (const text of texts) {
      const whole = redactor.text(text);
      const cuts: number[][] = [];
      for (let cut = 1; cut < text.length; cut++) cuts.push([cut]);
      cuts.push(Array.from({ length: text.length - 1 }, (_, i) => i + 1));
      for (const at of cuts) {
        const stream = redactor.textStream();
        let shown = '';
        let from = 0;
        for (const cut of [...at, text.length]) {
          shown += stream.push(text.slice(from, cut));
          from = cut;
        }
        shown += stream.end();
        expect(shown, `${JSON.stringify(text)} cut at ${at.length === 1 ? at[0] : 'every char'}`).toBe(whole);
      }
    }
  });

  it('runtime.stream(): model deltas of one character each never show a canary, nor do the stored events', async () => {
    const answer = `Here: ${CANARIES.sk} and Bearer ${CANARIES.bearer} and \x1b[32mMY_TOKEN=${CANARIES.assignment}\x1b[0m and {"password":"${CANARIES.json}"} and \\n${CANARIES.jwt}.`;
    const model: ModelAdapter = {
      provider: 'redteam', model: 'char-stream',
      generate: async () => ({ message: { role: 'assistant', content: answer }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop' }),
      async *stream(): AsyncIterable<ModelStreamEvent> {
        for (const ch of answer) yield { type: 'text_delta', text: ch };
        yield { type: 'response', response: await this.generate({} as ModelRequest) };
      },
    };
    const runtime = createRuntime({ model, store: new MemoryStore() });
    const events: RunEvent[] = [];
    for await (const event of runtime.stream('go')) events.push(event);
    const deltas = events.filter((e) => e.type === 'model_delta').map((e) => (e as { text: string }).text).join('');
    const all = JSON.stringify([events, await runtime.events(events[0]!.runId)]);
    for (const canary of Object.values(CANARIES)) {
      expect(deltas.includes(canary), `delta ${canary}`).toBe(false);
      expect(all.includes(canary), `event ${canary}`).toBe(false);
    }
    expect(deltas).toContain(REDACTED);
  });

  it('every detector runs in linear time on near-miss inputs: time at 16n is within 64× the time at n (quadratic would be 256×)', () => {
    const HOSTILE: Record<string, (n: number) => string> = {
      'SECRETSECRET…': (n) => 'SECRET'.repeat(n / 6),
      'TOKENTOKEN…': (n) => 'TOKEN'.repeat(n / 5),
      'secretsecret…': (n) => 'secret'.repeat(n / 6),
      'sk-sk-sk-…': (n) => 'sk-'.repeat(n / 3),
      ' sk-abc …': (n) => ' sk-abc'.repeat(n / 7),
      'eyJeyJ…': (n) => 'eyJ'.repeat(n / 3),
      '\\neyJ runs, one dot': (n) => '\\neyJaaaaaaaaa.bbbbbbbbb'.repeat(n / 24),
      '[A-Z0-9_] run then TOKEN': (n) => 'A'.repeat(n) + 'TOKEN=x',
      'names just past 64': (n) => (`${'A_'.repeat(40)}TOKEN${'B'.repeat(70)} `).repeat(n / 156),
      'TOKEN then spaces': (n) => `TOKEN${' '.repeat(n)}x`,
      'TOKEN: spaces': (n) => (`TOKEN:${' '.repeat(50)}`).repeat(n / 56),
      'X_TOKEN:"unclosed': (n) => (` X_TOKEN:"${'a'.repeat(300)}`).repeat(n / 310),
      'password:"…': (n) => 'password:"'.repeat(n / 10),
      'password: \\"unclosed': (n) => (`password: \\"${'a'.repeat(250)}`).repeat(n / 262),
      ' AKIA AKIA': (n) => ' AKIA'.repeat(n / 5),
      ' Bearer Bearer': (n) => ' Bearer'.repeat(n / 7),
      'Bearer + tabs': (n) => (` Bearer${'\t'.repeat(40)}abc `).repeat(n / 51),
      '\\u0041 + name run': (n) => (`\\u0041${'A'.repeat(60)}TOKEN`).repeat(n / 71),
      'colour codes + TOKEN': (n) => '\x1b[31mTOKEN\x1b[0m'.repeat(n / 14),
      'Kelvin signs + token': (n) => '\u212a'.repeat(n) + 'token',
      'Turkish İ + token': (n) => 'İ'.repeat(n) + 'token',
      // Free-text rules (key names in any case, header lines, NFKC forms, `@` in URL passwords).
      'token:token:token:…': (n) => 'token:'.repeat(n / 6),
      'password=password=…': (n) => 'password='.repeat(n / 9),
      'authorization=authorization=…': (n) => 'authorization='.repeat(n / 14),
      'authorization: Digest …': (n) => 'authorization: Digest '.repeat(n / 22),
      'api_key= then one long value': (n) => `api_key=${'a1'.repeat(n / 2)}`,
      'token then spaces, no separator': (n) => `token${' '.repeat(n)}x`,
      'key names then spaces and :': (n) => (`my_secret${' '.repeat(40)}: `).repeat(n / 51),
      '_auth=_auth=…': (n) => '_auth='.repeat(n / 6),
      'token + backslash runs + quote': (n) => (`token${'\\'.repeat(60)}": `).repeat(n / 69),
      "['password']=[…": (n) => "['password']=[".repeat(n / 14),
      'Cookie: line with Cookie: inside': (n) => `Cookie:${'Cookie:'.repeat(n / 7)}`,
      '"Cookie:\\"Cookie:…': (n) => '"Cookie:\\"'.repeat(n / 10),
      '\\nX-Api-Key:…': (n) => '\\nX-Api-Key:'.repeat(n / 13),
      'long header names a-a-a-…-key:': (n) => `\n${'a-'.repeat(n / 2)}key: v`,
      '-key:-key:…': (n) => '\n-key:'.repeat(n / 6),
      '://u: then @@@…': (n) => `://u:${'@'.repeat(n)}`,
      '://a:b repeated without @': (n) => '://a:b'.repeat(n / 6),
      'user:p@ss@ repeated': (n) => 'https://u:p@ss@'.repeat(n / 15),
      'fullwidth ｓｋ-ｓｋ-…': (n) => 'ｓｋ-'.repeat(n / 3),
      'fullwidth ｔｏｋｅｎ：…': (n) => 'ｔｏｋｅｎ：'.repeat(n / 6),
      'math letters + password=': (n) => `${'𝐀'.repeat(n / 2)}password=abc123def`,
    };
    // CPU time of this process, not wall time: on a machine with every core busy a 40 ms scan is
    // preempted many times while a 3 ms one often runs in one slice, which inflated the ratio of
    // a linear detector to 64× (measured 8.6× on a quiet machine) under `pnpm test:stress`.
    const time = (text: string) => {
      const started = process.cpuUsage();
      new Redactor().text(text); // a fresh redactor: nothing remembered
      const used = process.cpuUsage(started);
      return (used.user + used.system) / 1000;
    };
    const slow: string[] = [];
    for (const [name, make] of Object.entries(HOSTILE)) {
      const small = make(20_000);
      const big = make(320_000);
      // Interleaved, best of 7 (the machine is shared). A ratio over the bound is measured again,
      // up to 5 times: load on a busy machine comes and goes, a quadratic scan stays at ~256×.
      let best = Infinity;
      for (let attempt = 0; attempt < 5 && best > 64; attempt++) {
        const ts: number[] = [];
        const tb: number[] = [];
        for (let i = 0; i < 7; i++) {
          ts.push(time(small));
          tb.push(time(big));
        }
        // A floor of 0.2 ms for the small input: a sub-millisecond scan is below timer noise.
        best = Math.min(best, Math.min(...tb) / Math.max(0.2, Math.min(...ts)));
      }
      if (best > 64) slow.push(`${name}: ${best.toFixed(1)}×`);
    }
    expect(slow).toEqual([]);
  }, HEAVY_MS);
});

// ---------------------------------------------------------------------------------------------
// 2. Long texts found clean are remembered (last 4, 65..262144 chars)
// ---------------------------------------------------------------------------------------------
describe('red team (perf2): the memo of long clean texts', () => {
  const longText = (secret: string, n = 400) => `${'clean words here '.repeat(n)}${secret}${' and more clean words'.repeat(n)}`;

  it('two redactors with different secrets: text remembered clean by one is still redacted by the other (and by a runtime with patterns)', () => {
    const secret = 'only-b-knows-this-9911';
    const text = longText(secret, 10);
    const a = new Redactor();
    const b = new Redactor({ secrets: [secret] });
    const c = new Redactor({ patterns: [/only-b-\w+/] });
    expect(a.text(text)).toBe(text);
    expect(a.text(text)).toBe(text);
    expect(b.text(text)).not.toContain(secret);
    expect(c.text(text)).not.toContain(secret);
    expect(a.text(text)).toBe(text);
  });

  it('addSecret after the text was remembered (also its JSON-escaped form, and after 4+ other texts filled the memo)', () => {
    const redactor = new Redactor();
    const secret = 'multi "line"\nsecret-1234';
    const escaped = JSON.stringify(secret).slice(1, -1);
    const texts = [longText(secret, 5), longText(escaped, 5), ...Array.from({ length: 6 }, (_, i) => longText(`x${i}`, 5 + i))];
    for (let round = 0; round < 2; round++) for (const text of texts) expect(redactor.text(text)).toBe(text);
    redactor.addSecret(secret);
    expect(redactor.text(texts[0]!)).not.toContain(secret);
    expect(redactor.text(texts[1]!)).not.toContain(escaped);
    // Another secret added later clears what was remembered since.
    const later = 'later-added-secret-42';
    const t2 = longText(later, 6);
    expect(redactor.text(t2)).toBe(t2);
    redactor.addSecret(later);
    expect(redactor.text(t2)).not.toContain(later);
  });

  it('equal content, different string objects (slices, concatenations, flattened ropes) and the length limits 65 / 262144 / 262145', () => {
    const secret = 'rope-secret-5555';
    for (const total of [65, 66, 1_000, 262_144, 262_145]) {
      const pad = 'p'.repeat(total - secret.length - 1);
      const a = `${pad} ${secret}`;
      expect(a.length).toBe(total);
      const b = (`${pad} ` + secret.slice(0, 4)) + secret.slice(4);
      const c = `#${a}#`.slice(1, -1);
      const redactor = new Redactor();
      for (const s of [a, b, c]) expect(redactor.text(s)).toBe(s);
      redactor.addSecret(secret);
      for (const s of [a, b, c]) expect(redactor.text(s).endsWith(REDACTED), `${total}`).toBe(true);
    }
  });

  it('a secret added mid-run (hook) is removed from a long tool output that was redacted clean earlier in the run', async () => {
    const secret = 'runtime-added-secret-314';
    const output = longText(secret, 20);
    let redactor: Redactor | undefined;
    const tool = defineTool({ name: 'big', description: 'big', input: z.object({}), execute: () => output });
    const hooks: RuntimeHooks = {
      wrapRun: (info, next) => {
        redactor = info.redactor;
        return next();
      },
      onStepEnd: (step) => {
        if (step.stepIndex === 0) redactor!.addSecret(secret);
      },
    };
    const runtime = createRuntime({
      model: new ScriptedModel([ScriptedModel.call('big', {}), ScriptedModel.call('big', {}), { text: 'done' }]),
      tools: [tool], store: new MemoryStore(), hooks: [hooks],
    });
    const result = await runtime.run('go');
    const events = await runtime.events(result.runId);
    const step1 = events.filter((e) => 'stepIndex' in e && (e.stepIndex ?? 0) >= 1);
    expect(step1.some((e) => e.type === 'tool_finished')).toBe(true);
    expect(JSON.stringify(step1)).not.toContain(secret);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. defineTool tools called directly
// ---------------------------------------------------------------------------------------------
async function runOne(execute: (args: unknown, ctx: never) => unknown, options: { timeoutMs?: number; hooks?: RuntimeHooks[]; tool?: (t: Tool) => Tool } = {}) {
  const defined = defineTool({ name: 't', description: 't', input: z.object({}), execute: execute as never, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  const tool = options.tool ? options.tool(defined) : defined;
  const runtime = createRuntime({ model: new ScriptedModel([ScriptedModel.call('t', {}), { text: 'done' }]), tools: [tool], store: new MemoryStore(), hooks: options.hooks ?? [] });
  const result = await runtime.run('go');
  const events = await runtime.events(result.runId);
  const finished = events.find((e) => e.type === 'tool_finished') as Extract<RunEvent, { type: 'tool_finished' }> | undefined;
  return { result, events, finished };
}

describe('red team (perf2): defineTool tools called without their promise wrapper', () => {
  it('a tool returning a promise whose `constructor` getter throws is a failed tool call (tool_failed), not a failed run', async () => {
    // Before 3743ffb the wrapper's Promise.resolve read `constructor` inside its try: a tool error.
    const { result, finished } = await runOne(() => {
      const p = Promise.resolve('value');
      Object.defineProperty(p, 'constructor', { get() { throw new Error('constructor getter'); } });
      return p;
    });
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('final_answer');
    expect(finished).toMatchObject({ isError: true, code: 'tool_failed' });
  });

  it('a tool returning a native promise whose own `then` throws is followed like `await` follows it (its own settlement), not a failed run (F-11)', async () => {
    // `await p` never calls a native promise's `then` property: the runtime reads the promise's own
    // settlement the same way, so a hostile `then` can neither fail the run nor change the answer.
    const { result, finished } = await runOne(() => {
      const p = Promise.resolve('value');
      Object.defineProperty(p, 'then', { value: () => { throw new Error('then throws'); } });
      return p;
    });
    expect(result.error).toBeUndefined();
    expect(result.stopReason).toBe('final_answer');
    expect(finished).toMatchObject({ isError: false, content: 'value' });
  });

  it('a tool returning a rejected promise whose `then` or `constructor` throws is a tool_failed result; only the unreachable `constructor` case leaves its rejection unhandled', async () => {
    const marker = new Error('rejected-tool-promise-marker');
    const unhandled: string[] = [];
    let current = '';
    const listener = (reason: unknown) => void (reason === marker && unhandled.push(current));
    process.on('unhandledRejection', listener);
    const outcomes: Record<string, unknown> = {};
    try {
      const breakers: Record<string, (p: Promise<unknown>) => void> = {
        'throwing constructor getter': (p) => Object.defineProperty(p, 'constructor', { get() { throw new Error('constructor getter'); } }),
        'own then that throws': (p) => Object.defineProperty(p, 'then', { value: () => { throw new Error('then throws'); } }),
      };
      for (const [name, breakIt] of Object.entries(breakers)) {
        current = name;
        const { result, finished } = await runOne(() => {
          const p = Promise.reject(marker);
          breakIt(p);
          return p;
        });
        // Unhandled rejections are reported once the microtask queue drains: one macrotask turn is enough.
        await new Promise((resolve) => setImmediate(resolve));
        outcomes[name] = { stop: result.stopReason, code: finished?.code };
      }
    } finally {
      process.off('unhandledRejection', listener);
    }
    // A native promise whose `constructor` getter throws cannot be given a handler by any JavaScript
    // API (`then`, `await`, `Promise.resolve` all read `constructor` first): its rejection stays
    // unhandled, as it would in any code that awaits it. The call still fails cleanly. A hostile
    // own `then` is never called, so that promise's rejection is handled.
    expect({ unhandled, outcomes }).toEqual({
      unhandled: ['throwing constructor getter'],
      outcomes: { 'throwing constructor getter': { stop: 'final_answer', code: 'tool_failed' }, 'own then that throws': { stop: 'final_answer', code: 'tool_failed' } },
    });
  });

  it('a thenable is followed as the promise resolution reads it: `then` read once (a one-shot `then` getter is still adopted)', async () => {
    let reads = 0;
    const { finished } = await runOne(() => ({
      value: 'the object itself',
      get then() {
        reads++;
        return reads === 1 ? (resolve: (v: unknown) => void) => resolve('adopted') : undefined;
      },
    }));
    expect(finished?.content).toBe('adopted');
    expect(reads).toBe(1);
  });

  it('`tool.execute` is read once per call (an accessor `execute`, e.g. a lazily loaded implementation, is not evaluated twice)', async () => {
    let reads = 0;
    let duringRun = false;
    const { finished } = await runOne(() => 'inner', {
      tool: (defined) => {
        const copy = { ...defined } as Record<string, unknown>;
        delete copy.execute;
        Object.defineProperty(copy, 'execute', { enumerable: true, get() {
          if (duringRun) reads++;
          return (args: unknown, ctx: never) => defined.execute(args, ctx);
        } });
        return copy as unknown as Tool;
      },
      hooks: [{ onRunStart: () => void (duringRun = true) }],
    });
    expect(finished?.content).toBe('inner');
    expect(reads).toBe(1);
  });

  it('thenables, throwing `then` getters, double settles and synchronous throws of every kind answer like before (tool_failed or the value), the run goes on', async () => {
    const cases: [string, () => unknown, { isError: boolean; content?: string }][] = [
      ['thenable', () => ({ then: (r: (v: unknown) => void) => r('thenable value') }), { isError: false, content: 'thenable value' }],
      ['thenable settling twice', () => ({ then: (r: (v: unknown) => void, j: (e: unknown) => void) => { r('first'); j(new Error('second')); r('third'); } }), { isError: false, content: 'first' }],
      ['thenable throwing after resolve', () => ({ then: (r: (v: unknown) => void) => { r('kept'); throw new Error('ignored'); } }), { isError: false, content: 'kept' }],
      ['thenable rejecting', () => ({ then: (_r: unknown, j: (e: unknown) => void) => j('rejected') }), { isError: true }],
      ['throwing then getter', () => ({ get then() { throw new Error('getter'); } }), { isError: true }],
      ['sync throw Error', () => { throw new Error('boom'); }, { isError: true }],
      ['sync throw null', () => { throw null; }, { isError: true }],
      ['sync throw string', () => { throw 'str'; }, { isError: true }],
      ['sync throw object with throwing getters', () => { throw Object.defineProperty({}, 'message', { get() { throw new Error('x'); } }); }, { isError: true }],
      ['sync undefined', () => undefined, { isError: false }],
      ['sync function value', () => () => 1, { isError: false }],
      ['rejected promise', () => Promise.reject(new Error('async boom')), { isError: true }],
    ];
    for (const [name, execute, expected] of cases) {
      const { result, finished } = await runOne(execute);
      expect({ name, stop: result.stopReason, error: result.error }).toEqual({ name, stop: 'final_answer', error: undefined });
      expect(finished, name).toMatchObject(expected.content === undefined ? { isError: expected.isError } : expected);
    }
  });

  it('promises and thenables that never settle still time out (tool_timeout), and the run goes on', async () => {
    for (const execute of [() => new Promise(() => {}), () => ({ then() {} }), () => Promise.resolve().then(() => new Promise(() => {}))]) {
      const { result, finished } = await runOne(execute, { timeoutMs: 30 });
      expect(result.stopReason).toBe('final_answer');
      expect(finished).toMatchObject({ isError: true, code: 'tool_timeout' });
    }
  });

  it('a copy of a tool with its own execute ({...tool, execute}) calls that execute, not the one defineTool wrapped', async () => {
    let wrapperCalls = 0;
    const { finished } = await runOne(() => 'inner', {
      tool: (defined) => ({ ...defined, execute: async (args, ctx) => { wrapperCalls++; return `wrapped(${String(await defined.execute(args, ctx))})`; } }),
    });
    expect(wrapperCalls).toBe(1);
    expect(finished?.content).toBe('wrapped(inner)');
    // A plain copy keeps defineTool's execute: still a direct call, same answer.
    const copy = await runOne(() => 'inner', { tool: (defined) => ({ ...defined }) });
    expect(copy.finished?.content).toBe('inner');
  });

  it('ctx.signal / progress / log read after a synchronous return: not aborted, notices closed (ignored), nothing throws', async () => {
    let saved: ToolContext | undefined;
    const { result, events } = await runOne((_args, ctx) => {
      saved = ctx;
      return 'r';
    });
    expect(result.stopReason).toBe('final_answer');
    expect(saved!.signal.aborted).toBe(false);
    expect(() => saved!.progress!({ message: 'late' })).not.toThrow();
    expect(() => saved!.log!({ level: 'info', message: 'late' })).not.toThrow();
    expect(events.some((e) => e.type === 'tool_progress' || e.type === 'tool_log')).toBe(false);
  });

  it('kill and caller abort issued synchronously inside a synchronous tool stop the run before the next model call', async () => {
    // kill
    {
      let runtime: ReturnType<typeof createRuntime> | undefined;
      let modelCalls = 0;
      const tool = defineTool({ name: 't', description: 't', input: z.object({}), execute: (_a, ctx) => { void runtime!.kill(ctx.runId, 'from the tool'); return 'sync'; } });
      runtime = createRuntime({ model: new ScriptedModel([() => (modelCalls++, ScriptedModel.call('t', {})), () => (modelCalls++, { text: 'done' })]), tools: [tool], store: new MemoryStore() });
      const result = await runtime.run('go');
      expect(result.stopReason).toBe('killed');
      expect(modelCalls).toBe(1);
    }
    // caller signal
    {
      const controller = new AbortController();
      let modelCalls = 0;
      const tool = defineTool({ name: 't', description: 't', input: z.object({}), execute: () => { controller.abort(); return 'sync'; } });
      const runtime = createRuntime({ model: new ScriptedModel([() => (modelCalls++, ScriptedModel.call('t', {})), () => (modelCalls++, { text: 'done' })]), tools: [tool], store: new MemoryStore() });
      const result = await runtime.run({ input: 'go', signal: controller.signal });
      expect(result.stopReason).toBe('cancelled');
      expect(modelCalls).toBe(1);
    }
  });

  it('wrapToolCall hooks around direct tools: see the result, next() twice runs the tool once, a hook returning without next() runs nothing', async () => {
    const seen: unknown[] = [];
    const a = await runOne(() => 'direct', { hooks: [{ wrapToolCall: async (_info, _c, next) => { const r = await next(); seen.push(r?.content); return r; } }] });
    expect(seen).toEqual(['direct']);
    expect(a.finished?.content).toBe('direct');
    const b = await runOne(() => { throw new Error('sync in tool'); }, { hooks: [{ wrapToolCall: (_i, _c, next) => next() }] });
    expect(b.finished).toMatchObject({ isError: true, code: 'tool_failed' });
    // next() twice rejects without running the tool again (documented), also for a direct call.
    let calls = 0;
    await runOne(() => (calls++, 'x'), { hooks: [{ wrapToolCall: async (_i, _c, next) => { await next(); return next(); } }] });
    expect(calls).toBe(1);
    // A hook that returns without next(): the tool never runs (hook_failed, documented).
    let skipped = 0;
    const d = await runOne(() => (skipped++, 'x'), { hooks: [{ wrapToolCall: () => 'no next' }] });
    expect(skipped).toBe(0);
    expect(d.result.error).toMatchObject({ code: 'hook_failed' });
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Kill-flag checks before model and tool calls (store that does not push kills)
// ---------------------------------------------------------------------------------------------
/** The MemoryStore without `subscribeKills`: only the loop's own reads of the flag can see a kill. */
function pollingStore(inner: MemoryStore): StateStore {
  return new Proxy(inner, {
    get(target, key) {
      if (key === 'subscribeKills') return undefined;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as StateStore;
}

describe('red team (perf2): kill flags set right before a model or tool call (store that does not push)', () => {
  const kill = (store: MemoryStore, runId: string) => store.setKillFlag({ scope: runId, reason: 'set in the store', at: new Date().toISOString() });

  it('set while the model answers (before its tool calls run): no tool runs, no further model call', async () => {
    const inner = new MemoryStore();
    let toolRuns = 0;
    let modelCalls = 0;
    const tool = defineTool({ name: 't', description: 't', input: z.object({ n: z.number() }), execute: () => (toolRuns++, 'r') });
    const model = new ScriptedModel([
      async () => {
        modelCalls++;
        await kill(inner, 'kill-before-tools');
        return { toolCalls: [{ name: 't', args: { n: 1 } }, { name: 't', args: { n: 2 } }] };
      },
      () => (modelCalls++, { text: 'done' }),
    ]);
    const runtime = createRuntime({ model, tools: [tool], store: pollingStore(inner), killPollMs: 60_000 });
    const result = await runtime.run({ input: 'go', runId: 'kill-before-tools' });
    expect(result.stopReason).toBe('killed');
    expect({ toolRuns, modelCalls }).toEqual({ toolRuns: 0, modelCalls: 1 });
  });

  it('set by the first of sequential tool calls (synchronously, then it returns): the second does not run', async () => {
    const inner = new MemoryStore();
    let toolRuns = 0;
    const tool = defineTool({ name: 't', description: 't', input: z.object({ n: z.number() }), execute: (_a, ctx) => {
      toolRuns++;
      void kill(inner, ctx.runId);
      return 'r';
    } });
    const runtime = createRuntime({
      model: new ScriptedModel([{ toolCalls: [{ name: 't', args: { n: 1 } }, { name: 't', args: { n: 2 } }] }, { text: 'done' }]),
      tools: [tool], store: pollingStore(inner), killPollMs: 60_000, limits: { toolConcurrency: 1 },
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('killed');
    expect(toolRuns).toBe(1);
  });

  it('set in onStepEnd and in afterTool: the next model call is not made', async () => {
    for (const where of ['onStepEnd', 'afterTool'] as const) {
      const inner = new MemoryStore();
      let modelCalls = 0;
      const tool = defineTool({ name: 't', description: 't', input: z.object({}), execute: () => 'r' });
      const hooks: RuntimeHooks = where === 'onStepEnd'
        ? { onStepEnd: async (_s, ctx) => void (await kill(inner, ctx.runId)) }
        : { afterTool: async (_r, ctx) => void (await kill(inner, ctx.runId)) };
      const runtime = createRuntime({
        model: new ScriptedModel([() => (modelCalls++, ScriptedModel.call('t', {})), () => (modelCalls++, { text: 'done' })]),
        tools: [tool], store: pollingStore(inner), killPollMs: 60_000, hooks: [hooks],
      });
      const result = await runtime.run('go');
      expect({ where, stop: result.stopReason, modelCalls }).toEqual({ where, stop: 'killed', modelCalls: 1 });
    }
  });

  it('killAll through another runtime on the same store, between steps: the next model call is not made', async () => {
    const inner = new MemoryStore();
    let modelCalls = 0;
    const operator = createRuntime({ model: new ScriptedModel([]), store: pollingStore(inner) });
    const tool = defineTool({ name: 't', description: 't', input: z.object({}), execute: () => 'r' });
    const runtime = createRuntime({
      model: new ScriptedModel([() => (modelCalls++, ScriptedModel.call('t', {})), () => (modelCalls++, { text: 'done' })]),
      tools: [tool], store: pollingStore(inner), killPollMs: 60_000,
      hooks: [{ onStepEnd: async () => { await operator.killAll('incident'); } }],
    });
    const result = await runtime.run('go');
    expect(result.stopReason).toBe('killed');
    expect(modelCalls).toBe(1);
    await operator.clearKill();
  });

  it('the lease is still renewed on a run longer than its TTL (renewal only when due): another runtime cannot take the run over', async () => {
    const store = new MemoryStore();
    let takeover: unknown = 'not tried';
    const tool = defineTool({ name: 'wait', description: 'wait', input: z.object({ n: z.number() }), execute: () => new Promise((resolve) => setTimeout(() => resolve('ok'), 40)) });
    const steps = Array.from({ length: 14 }, (_, n) => ScriptedModel.call('wait', { n }));
    const other = createRuntime({ model: new ScriptedModel([]), tools: [tool], store, leaseTtlMs: 400, limits: { maxSteps: 30 } });
    const started = performance.now();
    const model = new ScriptedModel([...steps.map((step, i) => async () => {
      // Past the TTL: an unrenewed lease would have expired by now.
      if (i === 12) {
        expect(performance.now() - started).toBeGreaterThan(400);
        takeover = await other.resume('lease-run').then((r) => `took over: ${r.stopReason}`, (error: { code?: string }) => error.code);
      }
      return step;
    }), { text: 'done' }]);
    const runtime = createRuntime({ model, tools: [tool], store, leaseTtlMs: 400, limits: { maxSteps: 30 } });
    const result = await runtime.run({ input: 'go', runId: 'lease-run' });
    expect(result.stopReason).toBe('final_answer');
    expect(takeover).toBe('run_conflict');
  });
});


describe('streamed redaction of many tiny deltas', () => {
  it('scans once per batch of characters, not once per delta, and releases the same text', () => {
    const redactor = new Redactor({ secrets: ['sk-agentrt-CANARY-stream-0123456789'] });
    const text = `${'lorem ipsum dolor sit amet, '.repeat(700)}key sk-agentrt-CANARY-stream-0123456789 and more ${'x'.repeat(3000)}`;
    const scans = vi.spyOn(redactor, 'spans');
    const stream = redactor.textStream();
    let shown = '';
    for (const char of text) shown += stream.push(char);
    shown += stream.end();
    const whole = scans.mock.calls.length;
    scans.mockRestore();
    expect(shown).toBe(redactor.text(text));
    expect(shown).not.toContain('CANARY');
    // 22,648 one-character deltas: one scan per delta before (a full window each time).
    expect(whole).toBeLessThan(text.length / 32);
  });
});
